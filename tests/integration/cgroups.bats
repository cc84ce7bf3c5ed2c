#!/usr/bin/env bats
# linux.resources are really enforced, and pause/resume/update/events work, on this host's
# cgroups (v1 controllers here; the same tests run on a pure v2 host).

load helpers

@test "memory: a 32 MiB zone writing 64 MiB to /dev/shm is OOM-killed, and events reports it" {
  cfg '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
  cfg '(.mounts[] | select(.destination == "/dev/shm") | .options) |= map(select(startswith("size=") | not)) + ["size=128m"]'
  set_args sh -c 'echo ready; while [ ! -e /dev/shm/go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/shm/fill bs=1M count=64; echo "dd=$?"; sleep 30'
  zone run -d m1 > "$BATS_TEST_TMPDIR/out" 2>&1
  zone events m1 > "$BATS_TEST_TMPDIR/events" &
  events=$!
  sleep 0.3
  zone exec m1 touch /dev/shm/go
  wait_for "grep -q '\"type\":\"oom\"' $BATS_TEST_TMPDIR/events"
  [ "$(jq -r 'select(.type == "oom") | .id' "$BATS_TEST_TMPDIR/events" | head -1)" = m1 ]
  # the zone never held more than its limit
  [ "$(cat "$(cg_dir m1 memory)/memory.max_usage_in_bytes" 2>/dev/null || cat "$(cg_dir m1 memory)/memory.peak")" -le 33554432 ]
  zone delete --force m1
  wait "$events"
}

@test "pids: a limit of 16 makes the 17th process fail to fork" {
  cfg '.linux.resources.pids = {limit: 16}'
  # a subshell forks sleeps until a fork fails; the zone's shell then starts one more
  set_args sh -c '(for i in $(seq 30); do sleep 30 & done); echo after-loop; exec sleep 30'
  zone run -d p1 > "$BATS_TEST_TMPDIR/out" 2>&1
  wait_for "grep -q after-loop $BATS_TEST_TMPDIR/out"
  grep -q "can't fork" "$BATS_TEST_TMPDIR/out"
  d=$(cg_dir p1 pids)
  # the shell, the subshell and 14 sleeps made 16: the 17th fork failed; the subshell is gone
  # and the shell became one more sleep
  wait_for "[ \$(cat $d/pids.current) -eq 15 ]"
  [ "$(cat "$d/pids.max")" = 16 ]
  [ "$(zone ps --format json p1 | jq length)" -eq 15 ]
}

@test "cpu: a quota of 20 % of one core holds a busy loop to 15-25 % over 2 s" {
  cfg '.linux.resources.cpu = {quota: 20000, period: 100000}'
  set_args sh -c 'while :; do :; done'
  zone run -d c1
  sleep 0.5
  a=$(cpu_ns c1)
  sleep 2
  b=$(cpu_ns c1)
  share=$(( (b - a) / 20000000 ))   # percent of one core over 2 s
  echo "share=$share%"
  [ "$share" -ge 15 ]
  [ "$share" -le 25 ]
}

@test "cpuset pins the zone to the cpu asked" {
  [ "$(nproc)" -ge 2 ] || skip "needs two cpus"
  cfg '.linux.resources.cpu = {cpus: "1"}'
  set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
  run zone run cs
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\t'1 ]]
}

@test "cpu shares and the org.zone.cpu.weight annotation set the zone's scheduler weight" {
  cfg '.linux.resources.cpu = {shares: 512}'
  set_idle
  zone run -d w1
  d=$(cg_dir w1 cpu)
  if [ -f "$d/cpu.shares" ]; then [ "$(cat "$d/cpu.shares")" = 512 ]; else [ "$(cat "$d/cpu.weight")" = 20 ]; fi
  cfg '.annotations["org.zone.cpu.weight"] = "100"'
  zone run -d w2
  d=$(cg_dir w2 cpu)
  if [ -f "$d/cpu.shares" ]; then [ "$(cat "$d/cpu.shares")" = 2597 ]; else [ "$(cat "$d/cpu.weight")" = 100 ]; fi
  cfg '.annotations["org.zone.cpu.weight"] = "0"'
  run zone create w3
  [ "$status" -ne 0 ]
  [[ "$output" == *"annotations.org.zone.cpu.weight: must be a whole number from 1 to 10000, not \`0\`"* ]]
}

@test "devices: a rule denying read of /dev/null makes cat /dev/null fail, writing still works" {
  cfg '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: false, type: "c", major: 1, minor: 3, access: "r"}]'
  set_args sh -c 'cat /dev/null && echo read-ok; echo x > /dev/null && echo write-ok; cat /dev/zero | head -c 1 > /dev/null && echo zero-ok'
  run zone run d1
  [[ "$output" == *"Operation not permitted"* ]]
  [[ "$output" != *read-ok* ]]
  [[ "$output" == *write-ok* ]]
  [[ "$output" == *zero-ok* ]]
}

@test "pids: a limit of 0 lets the zone fork nothing, -1 is no limit (runtime-spec 1.3)" {
  cfg '.linux.resources.pids = {limit: 0}'
  set_args sh -c 'sleep 1 & echo forked'
  run zone run p0
  [[ "$output" == *"can't fork"* ]]
  [[ "$output" != *forked* ]]
  cfg '.linux.resources.pids = {limit: -1}'
  set_args sh -c 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'
  run zone run pm
  [ "$status" -eq 0 ]
  [ "$output" = max ]
}

@test "devices: access is a composition of r, w, m in any order (runc); other letters are refused" {
  cfg '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: false, type: "c", major: 1, minor: 3, access: "rr"},
                                   {allow: true, type: "c", major: 1, minor: 5, access: "wmr"}]'
  set_args sh -c 'cat /dev/null && echo read-ok; echo x > /dev/null && echo write-ok'
  run zone run da
  [[ "$output" != *read-ok* ]]
  [[ "$output" == *write-ok* ]]
  cfg '.linux.resources.devices[1].access = "rwa"'
  run zone run db
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"linux.resources.devices[1].access: must be made of the letters r, w and m" ]]
  [ ! -e "$ZROOT/db" ]
}

@test "pause stops the zone's processes, resume continues them; state says paused" {
  own_rootfs
  cfg '.root.readonly = false'
  set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.02; done'
  zone run -d pz
  wait_for "[ -s $ROOTFS/tmp/count ]"
  zone pause pz
  [ "$(zone_status pz)" = paused ]
  a=$(cat "$ROOTFS/tmp/count")
  sleep 0.5
  [ "$(cat "$ROOTFS/tmp/count")" = "$a" ]
  run zone pause pz
  [ "$status" -ne 0 ]
  zone resume pz
  [ "$(zone_status pz)" = running ]
  wait_for "[ \$(cat $ROOTFS/tmp/count) -gt $a ]"
  # a paused zone can still be deleted with --force
  zone pause pz
  zone delete --force pz
}

@test "update raises a memory limit live, with runc's flags and with -r" {
  cfg '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
  cfg '(.mounts[] | select(.destination == "/dev/shm") | .options) |= map(select(startswith("size=") | not)) + ["size=128m"]'
  set_idle
  zone run -d up
  # dd's own 48 MiB buffer: the OOM killer takes dd itself (pages in /dev/shm belong to no
  # process, and the killer could take the zone's init instead)
  run zone exec up dd if=/dev/zero of=/dev/null bs=48M count=1
  [ "$status" -eq 137 ]
  zone update --memory 128m --memory-swap 128m up
  [ "$(cat "$(cg_dir up memory)/memory.limit_in_bytes" 2>/dev/null || cat "$(cg_dir up memory)/memory.max")" = 134217728 ]
  run zone exec up dd if=/dev/zero of=/dev/null bs=48M count=1
  [ "$status" -eq 0 ]
  echo '{"pids": {"limit": 50}, "cpu": {"quota": 50000, "period": 100000}}' > "$BATS_TEST_TMPDIR/r.json"
  zone update -r "$BATS_TEST_TMPDIR/r.json" up
  [ "$(cat "$(cg_dir up pids)/pids.max")" = 50 ]
  run zone update --memory lots up
  [ "$status" -ne 0 ]
  [[ "$output" == *"not a size"* ]]
}

@test "dockerd's zeros are \"not set\": a zone with cpu.shares 0 and blockIO.weight 0 runs, and update sends them again" {
  # what dockerd 20.10 writes for a container that set no limit
  zeros='{"cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0, "cpus": "", "mems": ""},
          "memory": {"limit": 0, "reservation": 0, "swap": 0, "swappiness": -1},
          "blockIO": {"weight": 0, "leafWeight": 0}, "network": {"classID": 0}}'
  cfg --argjson z "$zeros" '.linux.resources += $z'
  set_idle
  zone run -d dz > /dev/null
  [ "$(zone_status dz)" = running ]
  # nothing was written: the kernel's defaults stand
  cpu=$(cg_dir dz cpu)
  # (on v2 the cpu controller is not even enabled for a zone that sets nothing of it)
  if [ -f "$cpu/cpu.shares" ]; then [ "$(cat "$cpu/cpu.shares")" = 1024 ]; fi
  if [ -f "$cpu/cpu.weight" ]; then [ "$(cat "$cpu/cpu.weight")" = 100 ]; fi
  mem=$(cg_dir dz memory)
  [ "$(cat "$mem/memory.limit_in_bytes" 2>/dev/null || cat "$mem/memory.max")" != 0 ]
  # cpus to run on (v1: its own cpuset.cpus must be filled; v2: the effective set, whether the
  # cpuset controller is enabled for it or not)
  cs=$(cg_dir dz cpuset)
  [ -n "$(cat "$cs/cpuset.cpus.effective" 2>/dev/null || cat "$cs/cpuset.cpus" 2>/dev/null || echo v2)" ]
  echo "$zeros" > "$BATS_TEST_TMPDIR/r.json"
  zone update -r "$BATS_TEST_TMPDIR/r.json" dz
  zone update --cpu-share 0 --blkio-weight 0 dz
  # 1 stays refused, with the JSON path
  cfg '.linux.resources.cpu.shares = 1'
  run zone create dz2
  [ "$status" -eq 1 ]
  [[ "$output" == *"linux.resources.cpu.shares: must be at least 2"* ]]
}

@test "events --stats prints runc's stats JSON" {
  cfg '.linux.resources.pids = {limit: 40} | .linux.resources.memory = {limit: 67108864}'
  set_idle
  zone run -d ev
  run zone events --stats ev
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .type)" = stats ]
  [ "$(echo "$output" | jq -r .id)" = ev ]
  [ "$(echo "$output" | jq .data.pids.limit)" = 40 ]
  [ "$(echo "$output" | jq .data.pids.current)" -ge 1 ]
  [ "$(echo "$output" | jq .data.memory.usage.limit)" = 67108864 ]
  [ "$(echo "$output" | jq .data.memory.usage.usage)" -gt 0 ]
  [ "$(echo "$output" | jq .data.cpu.usage.total)" -gt 0 ]
  # without --stats: one line per interval until the zone stops
  timeout 10 "$ZONE_BIN" --root "$ZROOT" events --interval 100ms ev > "$BATS_TEST_TMPDIR/stream" &
  s=$!
  sleep 0.6
  zone kill ev KILL
  wait "$s"
  [ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/stream")" -ge 3 ]
}

@test "a limit the host cannot apply is an error naming the JSON path; nothing is left" {
  cfg '.linux.resources.unified = {"memory.high": "1000000"}'
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then skip "a pure v2 host applies unified"; fi
  run zone create bad
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.resources.unified"* ]]
  [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
  cfg 'del(.linux.resources.unified) | .linux.resources.memory = {limit: 100, swap: 50}'
  run zone create bad2
  [[ "$output" == *"linux.resources.memory.swap"* ]]
}

@test "the systemd driver: a delegated transient scope with the limits, or a clear error without systemd" {
  set_idle
  cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 20}}'
  if [ ! -d /run/systemd/system ]; then
    # (the pure cgroup v2 test guest, tests/vm, has systemd as PID 1 and runs the rest)
    run "$ZONE_BIN" --root "$ZROOT" --systemd-cgroup run sd
    [ "$status" -ne 0 ]
    [[ "$output" == *"systemd is not running as PID 1"* ]]
    [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
    # and --cgroup-manager disabled runs with no cgroup at all
    set_args true
    run "$ZONE_BIN" --root "$ZROOT" --cgroup-manager disabled run nocg
    [ "$status" -eq 0 ]
    skip "systemd is not PID 1 here: the scope itself is tested in the v2 guest (make check-v2)"
  fi
  "$ZONE_BIN" --root "$ZROOT" --systemd-cgroup run -d sd > /dev/null
  pid=$(zone state sd | jq .pid)
  [ "$(systemctl is-active zone-sd.scope)" = active ]
  [ "$(systemctl show -P MemoryMax zone-sd.scope)" = 67108864 ]
  [ "$(systemctl show -P Delegate zone-sd.scope)" = yes ]
  [ "$(cat /proc/$pid/cgroup)" = "0::/system.slice/zone-sd.scope" ]
  [ "$(cat /sys/fs/cgroup/system.slice/zone-sd.scope/pids.max)" = 20 ]
  [ "$(cat /sys/fs/cgroup/system.slice/zone-sd.scope/memory.max)" = 67108864 ]
  # pause, exec and ps work through the scope too
  zone pause sd
  [ "$(zone_status sd)" = paused ]
  zone resume sd
  [ "$(zone ps --format json sd | jq 'index('"$pid"') != null')" = true ]
  zone delete --force sd
  # (systemd's own pace: slow in the emulated guest while the suite runs)
  wait_for "! systemctl is-active -q zone-sd.scope" 30
  wait_for "[ ! -d /sys/fs/cgroup/system.slice/zone-sd.scope ]"
  # runc's SLICE:PREFIX:NAME form
  cfg '.linux.cgroupsPath = "machine.slice:zt:sd2"'
  "$ZONE_BIN" --root "$ZROOT" --systemd-cgroup run -d sd2 > /dev/null
  pid=$(zone state sd2 | jq .pid)
  [ "$(cat /proc/$pid/cgroup)" = "0::/machine.slice/zt-sd2.scope" ]
  zone delete --force sd2
  wait_for "! systemctl is-active -q zt-sd2.scope" 30
}

@test "cgroup v2 device filter (eBPF): denies what the rules deny, allows the default devices" {
  # Zones on this host may use the v1 devices controller; the v2 filter is checked on its own
  # on whichever cgroup2 mount the host has.
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then root=/sys/fs/cgroup
  elif [ -d /sys/fs/cgroup/unified ]; then root=/sys/fs/cgroup/unified
  else skip "no cgroup2 mount"; fi
  run "$ZONE_TEST_HELPERS/devices-bpf-check" "$root"
  [ "$status" -eq 0 ]
  [ "$output" = "null-read=EPERM null-write=ok zero-read=ok" ]
  [ -z "$(ls -d $root/zone-devices-bpf-* 2>/dev/null)" ]
}

# What the zone reads of its own limits through /sys/fs/cgroup: "MEMORY PIDS ZONE-DIRS".
cgroupfs_view() {
  set_args sh -c 'if [ -d /sys/fs/cgroup/memory ]; then m=/sys/fs/cgroup/memory/memory.limit_in_bytes; p=/sys/fs/cgroup/pids/pids.max;
                  else m=/sys/fs/cgroup/memory.max; p=/sys/fs/cgroup/pids.max; fi
                  echo "$(cat $m) $(cat $p) $(find /sys/fs/cgroup -name "zone*" | wc -l)"'
}

@test "/sys/fs/cgroup in a zone shows the zone's own cgroup, with or without a cgroup namespace, in a user namespace too" {
  cfg '.linux.resources.memory = {limit: 33554432} | .linux.resources.pids = {limit: 20}
       | .linux.namespaces += [{"type": "cgroup"}]'
  cgroupfs_view
  # with a cgroup namespace: fresh mounts, rooted at the zone's cgroup
  run zone run cv1
  [ "$status" -eq 0 ]
  [ "$output" = "33554432 20 0" ]
  # without one (podman's and Docker's default on v1 hosts): the zone's own directories, bound
  cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
  run zone run cv2
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "33554432 20 0" ]
  # and in a user namespace that shares the host's cgroup namespace (podman --uidmap)
  cfg '.linux.namespaces += [{"type": "user"}]
       | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
       | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  run zone run cv3
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "33554432 20 0" ]
}

@test "a stray directory named after a controller under /sys/fs/cgroup does not fool zone" {
  [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] || skip "a pure v2 host has no v1 hierarchy directories to stray among"
  grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2> /dev/null || skip "hugetlb is not on this host's unified mount"
  cfg '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
  set_args true
  # In a mount namespace of the test's own: the host's hierarchies on a fresh tmpfs, plus an
  # empty `hugetlb` directory that is no hierarchy.
  run unshare -m --propagation private sh -ec '
    t=$(mktemp -d)
    mount -t tmpfs cg "$t"
    for d in /sys/fs/cgroup/*; do
      n=$(basename "$d")
      if [ -L "$d" ]; then cp -P "$d" "$t/$n"; else mkdir "$t/$n"; mount --bind "$d" "$t/$n"; fi
    done
    mkdir "$t/hugetlb"
    mount --move "$t" /sys/fs/cgroup
    exec "$0" --root "$1" run hs1' "$ZONE_BIN" "$ZROOT"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "the init is in its cgroup before hooks, devices and the process: cloned into it on pure v2, joined while it makes its rootfs elsewhere" {
  # a prestart hook (it runs once the rootfs is made) sees where the init is
  printf '#!/bin/sh\npid=$(jq .pid)\ncat /proc/$pid/cgroup > %s\n' "$BATS_TEST_TMPDIR/init-cgroup" > "$BATS_TEST_TMPDIR/hook"
  chmod +x "$BATS_TEST_TMPDIR/hook"
  cfg --arg h "$BATS_TEST_TMPDIR/hook" '.hooks = {prestart: [{path: $h}]}'
  set_args true
  run "$ZONE_BIN" --root "$ZROOT" --debug run pl1
  echo "$output"
  [ "$status" -eq 0 ]
  cat "$BATS_TEST_TMPDIR/init-cgroup"
  # in every hierarchy (or the one v2 line) the init is in the zone's own cgroup already
  [ "$(grep -c . "$BATS_TEST_TMPDIR/init-cgroup")" -gt 0 ]
  [ -z "$(grep -v ':/zone/pl1@' "$BATS_TEST_TMPDIR/init-cgroup")" ]
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    [[ "$output" == *"cloned into its cgroup"* ]]
  else
    [[ "$output" != *"cloned into its cgroup"* ]]
  fi
  # a failed mount is reported as the init's reason, even while zone is still placing it
  cfg '.hooks = {} | .mounts += [{destination: "/x", type: "bind", source: "/nonexistent-zone-test", options: ["bind"]}]'
  run zone run pl2
  [ "$status" -ne 0 ]
  [[ "$output" == *"/nonexistent-zone-test"* ]]
  [ -z "$(ls -d /sys/fs/cgroup/*/zone/pl2@* /sys/fs/cgroup/zone/pl2@* 2>/dev/null)" ]
}
