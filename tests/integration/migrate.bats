#!/usr/bin/env bats
# zone migrate between two "hosts": network namespaces A and B of this test's own, each with its
# own runtime root and bundle directory, B with an sshd on an address inside it. A third
# namespace C is the network between them and the client outside that talks to the zone.
# Runs wherever scripts/install-criu finds (or builds) a working criu, as checkpoint.bats.

load helpers

N=${ZONE_TEST_NET:-0}
A=zmA$N
B=zmB$N
C=zmC$N
LAN=10.97.$N
BR=ztm$N
NET=10.96.$N

setup_file() {
  find_criu
}

# Run in namespace $1 what follows; only the network namespace changes (not /sys, which zone
# needs for cgroups: hence nsenter, not `ip netns exec`).
in_ns() {
  local ns=$1
  shift
  nsenter --net="/run/netns/$ns" "$@"
}

za() { in_ns $A "$ZONE_BIN" --root "$ZROOT" --criu "$CRIU" "$@"; }
zb() { in_ns $B "$ZONE_BIN" --root "$ROOT_B" "$@"; }

# A and B on a bridge in C (C is 10.97.N.1, A .2, B .3); B runs sshd for root with a key of
# this test's own.
make_hosts() {
  local h i=2
  ip netns add $C
  ip -n $C link add lan type bridge
  ip -n $C addr add $LAN.1/24 dev lan
  ip -n $C link set lan up
  ip -n $C link set lo up
  for h in $A $B; do
    ip netns add $h
    ip link add "${h}x" type veth peer name eth0 netns $h
    ip link set "${h}x" netns $C
    ip -n $C link set "${h}x" master lan up
    ip -n $h addr add $LAN.$i/24 dev eth0
    ip -n $h link set eth0 up
    ip -n $h link set lo up
    i=$((i + 1))
  done
  T=$BATS_TEST_TMPDIR
  ssh-keygen -q -t ed25519 -N '' -f "$T/key"
  ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
  cp "$T/key.pub" "$T/authorized_keys"
  cat > "$T/sshd_config" << EOF
ListenAddress $LAN.3
HostKey $T/hostkey
AuthorizedKeysFile $T/authorized_keys
PidFile $T/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
  mkdir -p /run/sshd
  in_ns $B /usr/sbin/sshd -f "$T/sshd_config"
  SSH_OPTS=(-o "IdentityFile=$T/key" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR)
  wait_for "in_ns $A ssh ${SSH_OPTS[*]} -o BatchMode=yes root@$LAN.3 true"
}

setup() {
  need_criu
  command -v sshd > /dev/null || [ -x /usr/sbin/sshd ] || skip "no sshd here (openssh-server: scripts/install-deps)"
  zone_setup
  ROOT_B=$BATS_TEST_TMPDIR/state-b
  BUNDLE_B=$BATS_TEST_TMPDIR/bundle-b
  # the bundle holds its rootfs: the bundle is what migrate copies
  cp -a "$ZONE_TEST_ROOTFS" "$BUNDLE/rootfs"
  cfg --arg br "$BR" --arg sn "$NET.0/24" \
    '.root = {"path": "rootfs", "readonly": false}
     | .annotations = {"org.zone.net.mode": "bridge", "org.zone.net.bridge": $br, "org.zone.net.subnet": $sn}'
  # a counter, and for each connection: echo a line, wait for /dev/shm/go, speak first, then echo
  set_args sh -c 'i=0; (while :; do i=$((i + 1)); echo $i > /dev/shm/count; sleep 0.05; done) &
    exec nc -ll -p 5000 -e sh -c "read l || exit; echo \$l; while [ ! -e /dev/shm/go ]; do sleep 0.1; done; echo zone-first; cat"'
  make_hosts
}

teardown() {
  local id
  for id in $(ls "$ROOT_B" 2> /dev/null); do zb delete --force "$id" || true; done
  for id in $(ls "$ZROOT" 2> /dev/null); do za delete --force "$id" || true; done
  [ -f "$BATS_TEST_TMPDIR/sshd.pid" ] && kill "$(cat "$BATS_TEST_TMPDIR/sshd.pid")" 2> /dev/null || true
  pkill -f "ControlPath=.*zone-migrate" 2> /dev/null || true
  ip netns del $A 2> /dev/null || true
  ip netns del $B 2> /dev/null || true
  ip netns del $C 2> /dev/null || true
  zone_teardown
  if [ -n "$(ls -A "$ROOT_B" 2> /dev/null)" ]; then echo "left behind at B: $(ls "$ROOT_B")" >&2; return 1; fi
  if [ -e "/run/zone-net/$NET.0_24" ]; then echo "left behind: leases" >&2; return 1; fi
}

# The client in C: one connection to the zone (once it listens), held across the move; what it
# hears goes to client.out.
start_client() {
  in_ns $C bash -c 'for i in $(seq 100); do exec 8<> "/dev/tcp/$1/5000" && break; sleep 0.05; done 2> /dev/null
    echo one >&8; read -r -t 5 l <&8; echo "got $l"
    read -r -t 30 l <&8; echo "got $l"
    echo two >&8; read -r -t 5 l <&8; echo "got $l"' client "$1" > "$BATS_TEST_TMPDIR/client.out" 2>&1 &
  CLIENT=$!
}

# The zone mz at A, its address in $addr, C routing to it through A, the client connected.
zone_with_client() {
  za run -d mz < /dev/null > /dev/null 2>&1
  addr=$(za state mz | jq -r '.annotations["org.zone.net.address"]')
  ip -n $C route add $NET.0/24 via $LAN.2
  start_client "$addr"
  wait_for "grep -q 'got one' $BATS_TEST_TMPDIR/client.out"
}

migrate() {
  # (bounded: a migration that hangs fails the test instead)
  in_ns $A timeout 180 "$ZONE_BIN" --root "$ZROOT" --criu "$CRIU" migrate "$@" --remote-root "$ROOT_B" --remote-bundle "$BUNDLE_B" --remote-zone "$ZONE_BIN" \
    "${SSH_OPTS[@]}" mz root@$LAN.3
}

@test "migrate: the zone moves to B with its address and its client's connection; downtime printed" {
  zone_with_client
  before=$(za exec mz cat /dev/shm/count)
  run migrate
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ "migrate: \`mz\` runs at root@$LAN.3: downtime "[0-9]+" ms" ]]
  # gone from A, running at B: same address, its counter went on from where it was
  [ -z "$(ls -A "$ZROOT")" ]
  [ "$(zb state mz | jq -r .status)" = running ]
  [ "$(zb state mz | jq -r '.annotations["org.zone.net.address"]')" = "$addr" ]
  [ "$(zb exec mz cat /dev/shm/count)" -ge "$before" ]
  [ -f "$BUNDLE_B/config.json" ] && [ -d "$BUNDLE_B/rootfs/bin" ]
  # the network learns the zone's new place (a route here; routing or ARP on a real LAN)
  ip -n $C route replace $NET.0/24 via $LAN.3
  # the zone speaks first on the connection it had: its packets are not masqueraded as B's
  zb exec mz touch /dev/shm/go
  wait $CLIENT
  [ "$(cat "$BATS_TEST_TMPDIR/client.out")" = "$(printf 'got one\ngot zone-first\ngot two')" ]
}

# CRIU 4.1.1 fails to serve lazy pages on Linux 6.16 and later ("page-pipe: splice: Bad file
# descriptor"); Debian 12's 3.17.1 does it on the v2 guest's 6.1.
need_lazy_pages() {
  local v
  v=$(uname -r)
  if "$CRIU" --version | grep -q 'Version: 4\.1\.1$' && [ "$(printf '%s\n6.16\n' "${v%%-*}" | sort -V | head -1)" = 6.16 ]; then
    skip "CRIU 4.1.1 cannot serve lazy pages on Linux $v: post-copy is tested in the v2 guest (make check-v2)"
  fi
}

@test "migrate --lazy-pages: post-copy, the zone runs at B before its memory is there; connection kept" {
  need_lazy_pages
  zone_with_client
  before=$(za exec mz cat /dev/shm/count)
  run migrate --lazy-pages --page-server-port $((27000 + N)) --pre-dumps 0
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ "migrate: \`mz\` runs at root@$LAN.3: downtime "[0-9]+" ms" ]]
  [ -z "$(ls -A "$ZROOT")" ]
  [ "$(zb state mz | jq -r .status)" = running ]
  [ "$(zb exec mz cat /dev/shm/count)" -ge "$before" ]
  ip -n $C route replace $NET.0/24 via $LAN.3
  zb exec mz touch /dev/shm/go
  wait $CLIENT
  [ "$(cat "$BATS_TEST_TMPDIR/client.out")" = "$(printf 'got one\ngot zone-first\ngot two')" ]
  # the page server here is gone: every page went over
  ! in_ns $A ss -ltn | grep -q ":$((27000 + N)) "
}

@test "migrate: a destination that fails the restore leaves the zone running here, connection and all" {
  zone_with_client
  # a zone there that refuses to restore, as zone does: its error in its --log
  cat > "$BATS_TEST_TMPDIR/refusing-zone" << EOF
#!/bin/sh
log=; prev=
for a in "\$@"; do [ "\$prev" = --log ] && log=\$a; prev=\$a; done
case " \$* " in *" restore "*) echo 'time="now" level=error msg="refused by the test"' >> "\$log"; exit 1 ;; esac
exec "$ZONE_BIN" "\$@"
EOF
  chmod +x "$BATS_TEST_TMPDIR/refusing-zone"
  run za migrate --remote-root "$ROOT_B" --remote-bundle "$BUNDLE_B" --remote-zone "$BATS_TEST_TMPDIR/refusing-zone" \
    "${SSH_OPTS[@]}" mz root@$LAN.3
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"restore on the destination failed: refused by the test; \`mz\` runs here again"* ]]
  # nothing of it at B
  [ -z "$(ls -A "$ROOT_B" 2> /dev/null)" ]
  [ ! -e "$BUNDLE_B" ]
  # here again, with its address and the client's connection
  [ "$(za state mz | jq -r .status)" = running ]
  [ "$(za state mz | jq -r '.annotations["org.zone.net.address"]')" = "$addr" ]
  za exec mz touch /dev/shm/go
  wait $CLIENT
  [ "$(cat "$BATS_TEST_TMPDIR/client.out")" = "$(printf 'got one\ngot zone-first\ngot two')" ]
}

@test "migrate: refused before anything moves when the zone or the destination is not right" {
  run za migrate mz root@$LAN.3
  [ "$status" -eq 1 ]
  [[ "$output" == *"\`mz\`: container does not exist"* ]]
  za run -d mz < /dev/null > /dev/null 2>&1
  # a zone of that id there already
  mkdir -p "$ROOT_B/mz"
  run migrate
  [ "$status" -eq 1 ]
  [[ "$output" == *"\`mz\`: container with given ID already exists there"* ]]
  rmdir "$ROOT_B/mz"
  # no zone there
  run za migrate --remote-root "$ROOT_B" --remote-bundle "$BUNDLE_B" --remote-zone /nonexistent/zone \
    "${SSH_OPTS[@]}" mz root@$LAN.3
  [ "$status" -eq 1 ]
  [[ "$output" == *"no zone runs as \`/nonexistent/zone\` there"* ]]
  [ ! -e "$BUNDLE_B" ]
  # a rootfs outside the bundle does not go with it
  za delete --force mz
  cfg --arg r "$ZONE_TEST_ROOTFS" '.root.path = $r'
  za run -d mz < /dev/null > /dev/null 2>&1
  run migrate
  [ "$status" -eq 1 ]
  [[ "$output" == *"its rootfs $ZONE_TEST_ROOTFS is not inside its bundle"* ]]
  [ "$(za state mz | jq -r .status)" = running ]
  run za migrate mz
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing the destination"* ]]
  # a zone with a terminal: its other end stays here
  za delete --force mz
  cfg '.process.terminal = true'
  "$ZONE_TEST_HELPERS/console-recv" "$BATS_TEST_TMPDIR/c.sock" > /dev/null &
  wait_for "[ -S $BATS_TEST_TMPDIR/c.sock ]"
  za run -d --console-socket "$BATS_TEST_TMPDIR/c.sock" mz < /dev/null > /dev/null 2>&1
  run migrate
  [ "$status" -eq 1 ]
  [[ "$output" == *"it has a terminal"* ]]
  [ "$(za state mz | jq -r .status)" = running ]
  za delete --force mz
  wait
}
