#!/usr/bin/env bats
# Zone networking: addresses, a bridge, published ports and NAT, with real traffic that stays on
# 127.0.0.0/8 and inside namespaces these tests make.

load helpers

# Names, addresses and ports of this run's own (tests/integration/run picks N), so that two
# checkouts can run the suite at once.
N=${ZONE_TEST_NET:-0}
BR=zt$N
NET=10.99.$N
SUBNET=$NET.0/24
UP=zt-up$N
UPLINK=ztup$N
UPNET=198.18.$N
PORT=$((18000 + N * 10))

net_cfg() { # extra annotations as jq object text
  cfg --arg br "$BR" --arg sn "$SUBNET" --argjson extra "${1:-{\}}" \
    '.annotations = ({"org.zone.net.mode": "bridge", "org.zone.net.bridge": $br, "org.zone.net.subnet": $sn} + $extra)'
}

zone_addr() { zone state "$1" | jq -r '.annotations["org.zone.net.address"]'; }

teardown() {
  ip netns del $UP 2>/dev/null || true
  ip link del $UPLINK 2>/dev/null || true
  for l in ztdummy$N ztforeign$N ztnet$N ztmine$N; do ip link del $l 2>/dev/null || true; done
  zone_teardown
  # the bridge and zone's table go with the last zone of the subnet
  if ip link show "$BR" > /dev/null 2>&1; then echo "left behind: bridge $BR" >&2; return 1; fi
  if nft list tables 2>/dev/null | grep -q "ip zone"; then echo "left behind: table ip zone" >&2; return 1; fi
  if [ -e "/run/zone-net/$NET.0_24" ]; then echo "left behind: leases" >&2; return 1; fi
}

@test "mode none (or no annotation): loopback only, as with runc" {
  set_args sh -c 'ls /sys/class/net'
  run zone run plain
  [ "$status" -eq 0 ]
  [ "$output" = lo ]
  cfg '.annotations["org.zone.net.mode"] = "none"'
  run zone run plain2
  [ "$output" = lo ]
}

@test "two bridged zones get different addresses and talk TCP" {
  net_cfg
  own_rootfs
  cfg '.root.readonly = false'
  set_args sh -c 'while true; do nc -l -p 5000 >> /tmp/got; done'
  zone run -d a > /dev/null
  set_args sh -c 'ip -4 -o addr show eth0; ip route; sleep 30'
  zone run -d b > "$BATS_TEST_TMPDIR/b.out"
  a=$(zone_addr a)
  b=$(zone_addr b)
  [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]
  [[ "$a" == $NET.* ]] && [[ "$b" == $NET.* ]]
  # the zone sees its address and the default route through the bridge
  wait_for "grep -q 'default via $NET.1' $BATS_TEST_TMPDIR/b.out"
  grep -q "inet $b/24" "$BATS_TEST_TMPDIR/b.out"
  # the listener may not be up yet: send until it has the message
  wait_for "zone exec b sh -c 'echo hello-from-b | nc $a 5000'; grep -q hello-from-b $ROOTFS/tmp/got"
  # both are listed with their addresses
  [ "$(zone list --format json | jq -r '.[] | select(.id == "a") | .annotations["org.zone.net.address"]')" = "$a" ]
  [[ "$(zone list)" == *"$b"* ]]
}

@test "a published port is reached from the host on 127.0.0.1" {
  net_cfg "{\"org.zone.net.ports\": \"127.0.0.1:$((PORT + 0)):80\"}"
  set_args sh -c 'mkdir -p /dev/shm/www; echo served-by-zone > /dev/shm/www/index.html; httpd -f -p 80 -h /dev/shm/www'
  zone run -d web > /dev/null
  wait_for "timeout 2 busybox wget -q -O - http://127.0.0.1:$((PORT + 0))/index.html > $BATS_TEST_TMPDIR/page 2>/dev/null"
  [ "$(cat "$BATS_TEST_TMPDIR/page")" = served-by-zone ]
  # only that host address and port are published
  [ "$(nft list table ip zone | grep -c 'comment "zone:web"')" -eq 2 ]
  zone delete --force web
  [ "$(nft list ruleset | grep -c 'zone:web')" -eq 0 ]
}

@test "traffic leaving the host is masqueraded: an upstream sees the host's address" {
  net_cfg
  ip netns add $UP
  ip link add $UPLINK type veth peer name eth0 netns $UP
  ip addr add $UPNET.1/30 dev $UPLINK
  ip link set $UPLINK up
  ip -n $UP addr add $UPNET.2/30 dev eth0
  ip -n $UP link set eth0 up
  ip -n $UP link set lo up
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo upstream > "$BATS_TEST_TMPDIR/www/x"
  ip netns exec $UP busybox httpd -f -vv -p 7000 -h "$BATS_TEST_TMPDIR/www" 2> "$BATS_TEST_TMPDIR/httpd.log" &
  httpd=$!
  wait_for "ip netns exec $UP ss -ltn | grep -q ':7000 '"
  set_args sh -c "wget -q -O - http://$UPNET.2:7000/x"
  run zone run out
  kill "$httpd"
  [ "$status" -eq 0 ]
  [ "$output" = upstream ]
  grep -q "$UPNET.1" "$BATS_TEST_TMPDIR/httpd.log"
  [ "$(grep -c '10\.99\.0\.' "$BATS_TEST_TMPDIR/httpd.log")" -eq 0 ]

  # and the other way: a port published on every address is reached from the upstream
  # (traffic from another host, through the prerouting hook)
  net_cfg "{\"org.zone.net.ports\": \"$((PORT + 2)):80\"}"
  set_args sh -c 'mkdir -p /dev/shm/www; echo inbound-ok > /dev/shm/www/i; httpd -f -p 80 -h /dev/shm/www'
  zone run -d in > /dev/null
  wait_for "ip netns exec $UP timeout 2 busybox wget -q -O - http://$UPNET.1:$((PORT + 2))/i > $BATS_TEST_TMPDIR/in 2>/dev/null"
  [ "$(cat "$BATS_TEST_TMPDIR/in")" = inbound-ok ]
}

@test "20 zones created in parallel get 20 distinct addresses; deleting them leaves nothing" {
  net_cfg
  set_args sleep 60
  for i in $(seq 20); do "$ZONE_BIN" --root "$ZROOT" run -d "p$i" > /dev/null & done
  wait
  for i in $(seq 20); do zone_addr "p$i"; done > "$BATS_TEST_TMPDIR/addrs"
  [ "$(sort -u "$BATS_TEST_TMPDIR/addrs" | grep -c "^$NET\.")" -eq 20 ]
  [ "$(grep -c . "/run/zone-net/$NET.0_24")" -eq 20 ]
  for i in $(seq 20); do "$ZONE_BIN" --root "$ZROOT" delete --force "p$i" & done
  wait
  [ ! -e "/run/zone-net/$NET.0_24" ]
  [ "$(nft list ruleset 2>/dev/null | grep -c zone:)" -eq 0 ]
}

@test "a fixed address is used, and a taken one is refused" {
  net_cfg "{\"org.zone.net.address\": \"$NET.50\"}"
  set_args sh -c 'ip -4 -o addr show eth0; sleep 30'
  zone run -d f1 > "$BATS_TEST_TMPDIR/f1.out"
  [ "$(zone_addr f1)" = $NET.50 ]
  wait_for "grep -q 'inet $NET.50/24' $BATS_TEST_TMPDIR/f1.out"
  run zone create f2
  [ "$status" -ne 0 ]
  [[ "$output" == *"$NET.50 is in use by zone \`f1\`"* ]]
  [ ! -d "$ZROOT/f2" ]
}

@test "bad network annotations give one clear line and leave nothing" {
  for bad in "{\"org.zone.net.subnet\": \"$NET.0/33\"}:org.zone.net.subnet" \
             "{\"org.zone.net.subnet\": \"$NET.1/24\"}:org.zone.net.subnet" \
             '{"org.zone.net.ports": "8080:70000"}:org.zone.net.ports' \
             '{"org.zone.net.ports": "1.2.3:80:80"}:org.zone.net.ports' \
             '{"org.zone.net.address": "10.98.0.5"}:org.zone.net.address' \
             '{"org.zone.net.mode": "overlay"}:org.zone.net.mode'; do
    net_cfg "${bad%:*}"
    run zone create bad
    [ "$status" -ne 0 ]
    [[ "$output" == *"annotations.${bad##*:}"* ]]
    [ "$(echo "$output" | wc -l)" -eq 1 ]
    [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
  done
  [ "$(ip -br link | grep -c "^$BR ")" -eq 0 ]
}

@test "delete removes the zone's host veth at once, and --force finishes when the zone's nftables table is already gone" {
  net_cfg "{\"org.zone.net.ports\": \"127.0.0.1:$((PORT + 5)):80\"}"
  set_idle
  zone run -d v1 > /dev/null
  # (a published port is one zone's)
  net_cfg
  zone run -d v2 > /dev/null
  [ "$(ip -o link show type veth | grep -c ' zv')" -eq 2 ]
  zone delete -f v1
  # no waiting for the kernel's namespace teardown
  [ "$(ip -o link show type veth | grep -c ' zv')" -eq 1 ]
  # zone's table removed behind its back (a create killed before it was made looks the same)
  nft delete table ip zone
  run zone delete -f v2
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -e "$ZROOT/v2" ]
  [ "$(ip -o link show type veth | grep -c ' zv')" -eq 0 ]
}

@test "hostile network settings: an interface that is not zone's bridge, or a subnet the host has, is refused before anything is touched" {
  set_args true
  # (interfaces of the test's own; never the host's)
  ip link add ztdummy$N type veth peer name ztdummy${N}p
  ip link add ztforeign$N type bridge
  ip link add ztnet$N type veth peer name ztnet${N}p
  ip addr add 172.31.$N.1/28 dev ztnet$N
  lnet=$(cat /proc/sys/net/ipv4/conf/ztdummy$N/route_localnet)
  BR=ztdummy$N net_cfg
  run zone create h1
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"annotations.org.zone.net.bridge: \`ztdummy$N\` is an interface of the host that is not a bridge"* ]]
  BR=ztforeign$N net_cfg
  run zone create h2
  [[ "$output" == *"\`ztforeign$N\` is a bridge zone did not make"* ]]
  # neither was changed: no address, still down, route_localnet as it was
  for i in ztdummy$N ztforeign$N; do
    [ -z "$(ip -4 -o addr show dev $i)" ]
    ip -o link show $i | grep -qv "state UP"
  done
  [ "$(cat /proc/sys/net/ipv4/conf/ztdummy$N/route_localnet)" = "$lnet" ]
  # a subnet that overlaps one the host has on another interface, either way round
  for sn in 172.31.$N.0/24 172.31.$N.8/29; do
    SUBNET=$sn net_cfg
    run zone create h3
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"annotations.org.zone.net.subnet: $sn overlaps 172.31.$N.1/28 of the host's interface \`ztnet$N\`"* ]]
  done
  ! ip link show "$BR" > /dev/null 2>&1
  [ -z "$(ls -A "$ZROOT")" ]
  ip link del ztdummy$N; ip link del ztforeign$N; ip link del ztnet$N
}

@test "a bridge zone made carries its mark, and a bridge of the host's that carries it may be used" {
  set_idle
  net_cfg
  zone run -d m1 > /dev/null
  [ "$(cat /sys/class/net/$BR/ifalias)" = zone ]
  zone delete -f m1
  ! ip link show "$BR" > /dev/null 2>&1
  # an operator's bridge, marked for zone: used, and left in place after the last zone
  ip link add ztmine$N type bridge
  echo zone > /sys/class/net/ztmine$N/ifalias
  BR=ztmine$N net_cfg
  zone run -d m2 > /dev/null
  [ -n "$(zone state m2 | jq -r '.annotations["org.zone.net.address"]')" ]
  zone delete -f m2
  ip link del ztmine$N 2>/dev/null || true
}

# Nothing of zone's on the host for this run's bridge: no state, lease, bridge, veth or rule.
nothing_left() {
  [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ] || { echo "state: $(ls -A "$ZROOT")" >&2; return 1; }
  ! ip link show "$BR" > /dev/null 2>&1 || { echo "bridge $BR" >&2; return 1; }
  ! nft list ruleset 2>/dev/null | grep -q "comment \"zone" || { echo "nftables rules" >&2; return 1; }
  [ -z "$(ls -d /sys/fs/cgroup/*/zone/k*@"$(root_tag "$ZROOT")" /sys/fs/cgroup/zone/k*@"$(root_tag "$ZROOT")" 2>/dev/null)" ] \
    || { echo "cgroups" >&2; return 1; }
}

@test "kill -9 of create, start, run -d or delete at any moment, then one delete --force: nothing is left" {
  net_cfg "{\"org.zone.net.ports\": \"127.0.0.1:$((PORT + 7)):80\"}"
  set_idle
  mkdir -p "$ZROOT"
  for ms in $(seq 1 4 61); do
    timeout -s KILL "0.0$(printf %02d $ms)" "$ZONE_BIN" --root "$ZROOT" run -d "k$ms" > /dev/null 2>&1 || true
    zone delete --force "k$ms"
    nothing_left || { echo "after run killed at $ms ms" >&2; return 1; }
  done
  for ms in $(seq 1 6 37); do
    timeout -s KILL "0.0$(printf %02d $ms)" "$ZONE_BIN" --root "$ZROOT" create "kc$ms" > /dev/null 2>&1 || true
    zone delete --force "kc$ms"
    nothing_left || { echo "after create killed at $ms ms" >&2; return 1; }
    zone create "ks$ms" > /dev/null 2>&1
    timeout -s KILL "0.0$(printf %02d $ms)" "$ZONE_BIN" --root "$ZROOT" start "ks$ms" > /dev/null 2>&1 || true
    zone delete --force "ks$ms"
    nothing_left || { echo "after start killed at $ms ms" >&2; return 1; }
  done
  for ms in $(seq 1 3 31); do
    zone run -d "kd$ms" > /dev/null
    timeout -s KILL "0.0$(printf %02d $ms)" "$ZONE_BIN" --root "$ZROOT" delete --force "kd$ms" > /dev/null 2>&1 || true
    zone delete --force "kd$ms"
    nothing_left || { echo "after delete killed at $ms ms" >&2; return 1; }
  done
}

@test "two runtime roots on one bridge: distinct addresses, a published port is the host's, one root's last delete keeps the bridge of the other" {
  root2=$BATS_TEST_TMPDIR/state2
  net_cfg "{\"org.zone.net.ports\": \"127.0.0.1:$((PORT + 8)):80\"}"
  set_idle
  zone run -d w1 > /dev/null
  # the same port under another root (engines keep roots of their own): refused, naming the holder
  run "$ZONE_BIN" --root "$root2" run -d w2
  [ "$status" -eq 1 ]
  [[ "$output" == *"port $((PORT + 8))/tcp is published already by zone \`w1\`"* ]]
  [ -z "$(ls -A "$root2" 2>/dev/null)" ]
  net_cfg
  "$ZONE_BIN" --root "$root2" run -d w2 > /dev/null
  a1=$(zone_addr w1)
  a2=$("$ZONE_BIN" --root "$root2" state w2 | jq -r '.annotations["org.zone.net.address"]')
  [ -n "$a1" ] && [ -n "$a2" ] && [ "$a1" != "$a2" ]
  # the first root's last zone goes: the bridge stays for the other's
  zone delete -f w1
  ip link show "$BR" > /dev/null
  [ "$(grep -c . "/run/zone-net/$NET.0_24")" -eq 1 ]
  "$ZONE_BIN" --root "$root2" delete -f w2
  ! ip link show "$BR" > /dev/null 2>&1
}

@test "a bridged zone whose state.json is lost: delete --force removes its lease, rules, veth's namespace and the bridge" {
  net_cfg "{\"org.zone.net.ports\": \"127.0.0.1:$((PORT + 9)):80\"}"
  set_idle
  zone run -d lost > /dev/null
  pid=$(zone state lost | jq .pid)
  rm "$ZROOT/lost/state.json"
  zone delete --force lost
  ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
  [ ! -e "/run/zone-net/$NET.0_24" ]
  ! nft list ruleset 2>/dev/null | grep -q 'comment "zone:lost"'
  wait_for "! ip link show $BR > /dev/null 2>&1"
}
