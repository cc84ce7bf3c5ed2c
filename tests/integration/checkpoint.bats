#!/usr/bin/env bats
# Checkpoint and restore with CRIU: a zone's processes go on where they stopped. Runs wherever
# scripts/install-criu finds (or builds) a criu that passes `criu check`; skipped, with CRIU's own
# reason, elsewhere.

load helpers

setup_file() {
  find_criu
}

setup() {
  need_criu
  zone_setup
  own_rootfs
  cfg '.root.readonly = false'
  # a counter the test reads from the host
  set_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/count; sleep 0.05; done'
  IMG=$BATS_TEST_TMPDIR/images
}

# This run's own bridge, subnet and host port (tests/integration/run picks N), as network.bats.
N=${ZONE_TEST_NET:-0}
BR=ztc$N
NET=10.98.$N
PORT=$((19000 + N))

teardown() {
  zone_teardown
  # the bridge, zone's table and the leases go with the last zone of the subnet
  if ip link show "$BR" > /dev/null 2>&1; then echo "left behind: bridge $BR" >&2; return 1; fi
  if [ -e "/run/zone-net/$NET.0_24" ]; then echo "left behind: leases" >&2; return 1; fi
}

# A bridged zone that echoes back what a TCP client sends to port 5000, published on the host's
# 127.0.0.1:PORT.
bridged_echo() {
  cfg --arg br "$BR" --arg sn "$NET.0/24" --arg p "127.0.0.1:$PORT:5000" \
    '.annotations = {"org.zone.net.mode": "bridge", "org.zone.net.bridge": $br, "org.zone.net.subnet": $sn,
                     "org.zone.net.ports": $p}'
  set_args sh -c 'i=0; (while :; do i=$((i + 1)); echo $i > /dev/shm/count; sleep 0.05; done) & exec nc -ll -p 5000 -e cat'
}

zone_addr() { zone state "$1" | jq -r '.annotations["org.zone.net.address"]'; }

# Open fd 8 as a TCP connection to $1:$2, once something listens there.
connect() {
  local i
  for i in $(seq 100); do
    exec 8<> "/dev/tcp/$1/$2" 2> /dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1:$2" >&2
  return 1
}

# Send a line over fd 8; the zone must echo it back.
echoes() {
  local line
  echo "$1" >&8
  read -r -t 5 line <&8
  [ "$line" = "$1" ] || { echo "sent $1, got '${line:-}'" >&2; return 1; }
}

zc() {
  "$ZONE_BIN" --root "$ZROOT" --criu "$CRIU" "$@"
}

# (the zone rewrites the file 20 times a second: a read that finds it emptied tries again)
count() {
  local c="" i
  for i in $(seq 20); do
    c=$(cat "$ROOTFS/tmp/count" 2> /dev/null) && [ -n "$c" ] && break
    sleep 0.01
  done
  [ -n "$c" ] || return 1
  echo "$c"
}

@test "checkpoint stops the zone where it is; restore goes on from there, a zone like any other" {
  zone run -d c1 < /dev/null > /dev/null 2>&1
  wait_for '[ "$(count 2>/dev/null || echo 0)" -ge 3 ]'
  zc checkpoint --image-path "$IMG" c1
  # as with runc, the zone is gone; its counter stands still
  [ -z "$(zone list -q)" ]
  at=$(count)
  sleep 0.3
  [ "$(count)" = "$at" ]
  [ -s "$IMG/dump.log" ] && [ -f "$IMG/descriptors.json" ]
  (cd "$BUNDLE" && zc restore -d --image-path "$IMG" c1 < /dev/null > /dev/null 2>&1)
  [ "$(zone_status c1)" = running ]
  # it goes on from where it stood, not from 1
  wait_for '[ "$(count)" -gt "$at" ]'
  [ "$(count)" -lt $((at + 40)) ]
  # and is a zone like any other: exec, its cgroup, kill, delete
  [ "$(zone exec c1 cat /tmp/count)" -gt "$at" ]
  pid=$(zone state c1 | jq .pid)
  grep -q "$(basename "$(cg_dir c1 pids)")" "/proc/$pid/cgroup"
  zone kill c1 KILL
  wait_for '[ "$(zone_status c1)" = stopped ]'
  zone delete c1
}

@test "checkpoint --leave-running: the zone runs on, and the images are there" {
  zone run -d c2 < /dev/null > /dev/null 2>&1
  wait_for '[ -s "$ROOTFS/tmp/count" ]'
  zc checkpoint --leave-running --image-path "$IMG" --work-path "$BATS_TEST_TMPDIR/work" c2
  [ "$(zone_status c2)" = running ]
  at=$(count)
  wait_for '[ "$(count)" -gt "$at" ]'
  ls "$IMG" | grep -q '^pstree.img$'
  [ -s "$BATS_TEST_TMPDIR/work/dump.log" ]
}

@test "a failed checkpoint leaves the zone running and quotes CRIU's log, which is kept" {
  zone run -d c3 < /dev/null > /dev/null 2>&1
  wait_for '[ -s "$ROOTFS/tmp/count" ]'
  # a page server nobody listens on
  run zc checkpoint --image-path "$IMG" --page-server 127.0.0.1:1 c3
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"checkpoint: criu failed: Error ("*"(log: $IMG/dump.log)"* ]]
  [ -s "$IMG/dump.log" ]
  [ "$(zone_status c3)" = running ]
  at=$(count)
  wait_for '[ "$(count)" -gt "$at" ]'
}

@test "a failed restore leaves nothing behind; what cannot be checkpointed or restored says so" {
  mkdir -p "$IMG"
  run zc restore -d -b "$BUNDLE" --image-path "$IMG" r1
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"restore: criu failed: "* ]]
  [ -z "$(ls -A "$ZROOT")" ]
  [ -z "$(ls -d /sys/fs/cgroup/*/zone/r1@* /sys/fs/cgroup/zone/r1@* 2>/dev/null)" ]
  run zc checkpoint --image-path "$IMG" nosuch
  [[ "$output" == *"\`nosuch\`: container does not exist"* ]]
  zone create c4 > /dev/null
  run zc checkpoint --image-path "$IMG" c4
  [[ "$output" == *"cannot checkpoint \`c4\`: container not running (created)"* ]]
  # a terminal zone's restore needs a console socket for its new terminal, as its create did
  cfg '.process.terminal = true'
  run zc restore -d -b "$BUNDLE" --image-path "$IMG" r2
  [[ "$output" == *"a terminal needs --console-socket"* ]]
  [ ! -e "$ZROOT/r2" ]
}

@test "a zone with a terminal: checkpoint, then restore onto a new terminal sent over --console-socket" {
  cfg '.process.terminal = true'
  set_args sh -c 'while read l; do echo "got-$l"; echo "$l" > /tmp/last; done'
  sock=$BATS_TEST_TMPDIR/console.sock
  "$ZONE_TEST_HELPERS/console-recv" -i $'before\n' "$sock" > "$BATS_TEST_TMPDIR/tty1.out" &
  wait_for "[ -S $sock ]"
  zone run -d --console-socket "$sock" t1 < /dev/null > /dev/null 2>&1
  wait_for '[ "$(cat "$ROOTFS/tmp/last" 2>/dev/null)" = before ]'
  # a copy would have no one at its terminal's other end
  run zc clone t1 t1copy
  [ "$status" -eq 1 ] && [[ "$output" == *"has a terminal"* ]]
  [ "$(zone list -q)" = t1 ]
  zc checkpoint --image-path "$IMG" t1
  [ -z "$(zone list -q)" ]
  # the engine's old end of the terminal is closed with the zone's
  wait
  grep -q got-before "$BATS_TEST_TMPDIR/tty1.out"
  sock2=$BATS_TEST_TMPDIR/console2.sock
  "$ZONE_TEST_HELPERS/console-recv" -i $'after\n' "$sock2" > "$BATS_TEST_TMPDIR/tty2.out" &
  recv=$!
  wait_for "[ -S $sock2 ]"
  (cd "$BUNDLE" && zc restore -d --console-socket "$sock2" --image-path "$IMG" t1 < /dev/null > /dev/null 2>&1)
  [ "$(zone_status t1)" = running ]
  # what is typed on the new terminal reaches the restored shell, and its answer comes back
  wait_for '[ "$(cat "$ROOTFS/tmp/last")" = after ]'
  zone kill t1 KILL
  wait_for '[ "$(zone_status t1)" = stopped ]'
  wait "$recv"
  grep -q got-after "$BATS_TEST_TMPDIR/tty2.out"
  head -1 "$BATS_TEST_TMPDIR/tty2.out" | grep -q '^name: /dev/pts/'
  zone delete t1
}

@test "a bridged zone keeps its address, its published port and an open connection (--tcp-established)" {
  bridged_echo
  zone run -d web < /dev/null > /dev/null 2>&1
  addr=$(zone_addr web)
  connect "$addr" 5000
  echoes before
  zc checkpoint --tcp-established --image-path "$IMG" web
  # gone, and its network with it
  [ -z "$(zone list -q)" ]
  ! ip link show "$BR" > /dev/null 2>&1
  [ "$(cat "$IMG/zone-address")" = "$addr" ]
  zc restore -d --tcp-established -b "$BUNDLE" --image-path "$IMG" web < /dev/null > /dev/null 2>&1
  [ "$(zone_addr web)" = "$addr" ]
  # the connection made before the checkpoint carries on
  echoes after
  exec 8>&-
  # the published port answers new connections
  [ "$(echo published | timeout 5 busybox nc 127.0.0.1 $PORT)" = published ]
  [ "$(nft list table ip zone | grep -c 'comment "zone:web"')" -eq 2 ]
}

@test "clone: a running copy with its own address and cgroup; both go on" {
  bridged_echo
  zone run -d orig < /dev/null > /dev/null 2>&1
  wait_for '[ "$(zone exec orig cat /dev/shm/count 2>/dev/null || echo 0)" -ge 5 ]'
  mkdir "$BATS_TEST_TMPDIR/tmp"
  TMPDIR=$BATS_TEST_TMPDIR/tmp zc clone orig copy < /dev/null > /dev/null
  [ "$(zone_status orig)" = running ] && [ "$(zone_status copy)" = running ]
  a=$(zone_addr orig)
  b=$(zone_addr copy)
  [ -n "$b" ] && [ "$a" != "$b" ]
  # the copy's counter went on from the original's, not from 1, and both count on
  at=$(zone exec copy cat /dev/shm/count)
  [ "$at" -ge 5 ]
  wait_for "[ \$(zone exec copy cat /dev/shm/count) -gt $at ]"
  at=$(zone exec orig cat /dev/shm/count)
  wait_for "[ \$(zone exec orig cat /dev/shm/count) -gt $at ]"
  # both serve on their own address; the host port stays the original's
  [ "$(echo to-orig | timeout 5 busybox nc "$a" 5000)" = to-orig ]
  [ "$(echo to-copy | timeout 5 busybox nc "$b" 5000)" = to-copy ]
  [ "$(echo published | timeout 5 busybox nc 127.0.0.1 $PORT)" = published ]
  [ "$(zone state copy | jq -r '.annotations["org.zone.net.ports"] // "none"')" = none ]
  [ "$(zone state orig | jq -r '.annotations["org.zone.net.ports"]')" = "127.0.0.1:$PORT:5000" ]
  # in a cgroup of its own
  grep -q "/zone/copy@" "/proc/$(zone state copy | jq .pid)/cgroup"
  # the images it went through are gone
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/tmp")" ]
  run zc clone orig copy
  [ "$status" -eq 1 ]
  [[ "$output" == *"\`copy\`: container with given ID already exists"* ]]
  run zc clone orig
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing the new zone's ID"* ]]
}

@test "--empty-ns network: the zone comes back in a network namespace made anew, not the dumped one" {
  zone run -d e1 < /dev/null > /dev/null 2>&1
  zone exec --cap CAP_NET_ADMIN e1 ip addr add 10.1.2.3/32 dev lo
  zone exec e1 ip addr show lo | grep -q 10.1.2.3
  zc checkpoint --image-path "$IMG" e1
  (cd "$BUNDLE" && zc restore -d --image-path "$IMG" e1 < /dev/null > /dev/null 2>&1)
  # restored as it was
  zone exec e1 ip addr show lo | grep -q 10.1.2.3
  zc checkpoint --empty-ns network --image-path "$IMG.2" e1
  (cd "$BUNDLE" && zc restore -d --empty-ns network --image-path "$IMG.2" e1 < /dev/null > /dev/null 2>&1)
  [ "$(zone_status e1)" = running ]
  ! zone exec e1 ip addr show lo | grep -q 10.1.2.3
  run zc checkpoint --empty-ns ipc e1
  [ "$status" -eq 1 ]
  [[ "$output" == *"--empty-ns \`ipc\`: only network can be made empty"* ]]
}

@test "--systemd-cgroup: the restored zone runs in a scope of its own, with its limits" {
  [ -d /run/systemd/system ] || skip "systemd is not PID 1 here: restore into a scope is tested in the v2 guest (make check-v2)"
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 20}}'
  zs() { zc --systemd-cgroup "$@"; }
  zs run -d sdc < /dev/null > /dev/null 2>&1
  wait_for '[ "$(count 2>/dev/null || echo 0)" -ge 3 ]'
  [ "$(systemctl is-active zone-sdc.scope)" = active ]
  zs checkpoint --image-path "$IMG" sdc
  wait_for "! systemctl is-active -q zone-sdc.scope" 30
  at=$(count)
  (cd "$BUNDLE" && zs restore -d --image-path "$IMG" sdc < /dev/null > /dev/null 2>&1)
  [ "$(zone_status sdc)" = running ]
  wait_for '[ "$(count)" -gt "$at" ]'
  pid=$(zone state sdc | jq .pid)
  # the unit is back, the restored processes (and no placeholder) are in it, with the limits
  [ "$(systemctl is-active zone-sdc.scope)" = active ]
  [ "$(systemctl show -P MemoryMax zone-sdc.scope)" = 67108864 ]
  [ "$(cat /proc/$pid/cgroup)" = "0::/system.slice/zone-sdc.scope" ]
  [ "$(cat /sys/fs/cgroup/system.slice/zone-sdc.scope/pids.max)" = 20 ]
  for p in $(cat /sys/fs/cgroup/system.slice/zone-sdc.scope/cgroup.procs); do
    # (the counter's sleeps come and go: only a process still there is judged)
    n=$(awk '/^NSpid/ {print NF}' /proc/$p/status 2> /dev/null) || continue
    [ "$n" -eq 3 ] || { echo "$p is not the zone's" >&2; false; }
  done
  zs delete --force sdc
  wait_for "! systemctl is-active -q zone-sdc.scope" 30
}
