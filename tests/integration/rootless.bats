#!/usr/bin/env bats
# Rootless zones: an ordinary user (made by this file, removed after) runs zones as with runc:
# a user namespace mapping the user to root, the state under $XDG_RUNTIME_DIR/zone, no cgroup of
# its own where nothing is delegated (limits are then refused), loopback only.

load helpers

N=${ZONE_TEST_NET:-0}
USER_A=zrla$N
USER_B=zrlb$N

setup_file() {
  local u
  for u in "$USER_A" "$USER_B"; do
    id "$u" > /dev/null 2>&1 || useradd -M -d /nonexistent -s /bin/sh "$u"
  done
  # A range of subordinate ids for A, as /etc/subuid would give it (a fresh host may have none).
  usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$USER_A"
  RL=$(mktemp -d /tmp/zone-rootless.XXXXXX)
  chmod 755 "$RL"
  echo "$RL" > "$BATS_FILE_TMPDIR/rl"
  # the users' own copy of zone: the tree may sit where they cannot reach it (root's home)
  install -m 0755 "$ZONE_BIN" "$RL/zone"
  install -m 0755 "$(dirname "$ZONE_BIN")/zone-full" "$RL/zone-full"
}

teardown_file() {
  local u rl
  rl=$(cat "$BATS_FILE_TMPDIR/rl")
  for u in "$USER_A" "$USER_B"; do
    pkill -KILL -u "$u" 2> /dev/null || true
    userdel "$u" 2> /dev/null || true
  done
  rm -rf --one-file-system "$rl"
}

setup() {
  zone_setup
  RL=$(cat "$BATS_FILE_TMPDIR/rl")
  for u in "$USER_A" "$USER_B"; do
    mkdir -p "$RL/$u/xdg" "$RL/$u/b"
    chown -R "$u:" "$RL/$u"
    chmod 700 "$RL/$u/xdg"
  done
  UID_A=$(id -u "$USER_A")
  GID_A=$(id -g "$USER_A")
}

teardown() {
  local u
  for u in "$USER_A" "$USER_B"; do
    for id in $(as "$u" list -q 2> /dev/null); do as "$u" delete -f "$id" || true; done
  done
  zone_teardown
}

# as USER ARGS...: zone as USER, with USER's runtime directory and nothing of root's.
as() {
  local u=$1
  shift
  setpriv --reuid="$u" --regid="$u" --init-groups --reset-env \
    env XDG_RUNTIME_DIR="$RL/$u/xdg" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$RL/zone" "$@"
}

# A rootless bundle of USER's: zone spec --rootless, then the jq filter given.
bundle() {
  local u=$1
  (cd "$RL/$u/b" && rm -f config.json && as "$u" spec --rootless)
  jq --arg r "$ZONE_TEST_ROOTFS" '.process.terminal = false | .root.path = $r | '"$2" "$RL/$u/b/config.json" \
    > "$RL/$u/b/c" && mv "$RL/$u/b/c" "$RL/$u/b/config.json"
  chown "$u:" "$RL/$u/b/config.json"
}

@test "rootless: an ordinary user runs a zone: root inside, its own uid mapped, loopback only, state in \$XDG_RUNTIME_DIR/zone" {
  bundle "$USER_A" '.process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map; ls /sys/class/net; cat /proc/self/setgroups"]'
  run as "$USER_A" --debug run -b "$RL/$USER_A/b" r1
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(grep -v '^zone: debug' <<< "$output" | tr -s ' ' | sed 's/^ //' | tr '\n' '|')" = "0|0 $UID_A 1|0 $GID_A 1|lo|deny|" ]
  # nothing delegated here: the zone runs in the user's own cgroup, and --debug and features say so
  [[ "$output" == *"no cgroup of its own: nothing is delegated to uid $UID_A"* ]]
  [[ "$(as "$USER_A" features | jq -r '.annotations["org.zone.rootless.cgroup"]')" == "none: "* ]]
  [ "$("$ZONE_BIN" features | jq '.annotations | has("org.zone.rootless.cgroup")')" = false ]
  # its state lived in the user's runtime directory, which is empty again
  [ -d "$RL/$USER_A/xdg/zone" ]
  [ "$(stat -c %U "$RL/$USER_A/xdg/zone")" = "$USER_A" ]
  [ -z "$(ls -A "$RL/$USER_A/xdg/zone")" ]
  # without XDG_RUNTIME_DIR the default root is root's: one clear line
  run setpriv --reuid="$USER_A" --regid="$USER_A" --init-groups --reset-env "$RL/zone" run -b "$RL/$USER_A/b" r2
  [ "$status" -eq 1 ]
  [[ "$output" == *"XDG_RUNTIME_DIR"* ]]
}

@test "rootless: create, start, exec, ps, kill and delete; pause is refused in one line; another user neither sees nor touches the zone" {
  bundle "$USER_A" '.process.args = ["sleep", "1000"]'
  as "$USER_A" create -b "$RL/$USER_A/b" r3
  [ "$(as "$USER_A" state r3 | jq -r .status)" = created ]
  as "$USER_A" start r3
  [ "$(as "$USER_A" state r3 | jq -r .status)" = running ]
  [ "$(as "$USER_A" state r3 | jq -r .owner)" = "$USER_A" ]
  pid=$(as "$USER_A" state r3 | jq .pid)
  [ "$(stat -c %u /proc/$pid)" = "$UID_A" ]
  # exec joins the zone's user namespace first: root there too
  [ "$(as "$USER_A" exec r3 id -u)" = 0 ]
  as "$USER_A" exec -d r3 sleep 999
  # ps without a cgroup: the processes of the zone's pid namespace
  run as "$USER_A" ps r3
  [ "$status" -eq 0 ]
  [[ "$output" == *"sleep 1000"* ]] && [[ "$output" == *"sleep 999"* ]]
  run as "$USER_A" pause r3
  [ "$status" -eq 1 ]
  [[ "$output" == *"has no cgroup of its own to freeze"* ]]
  [ "$(as "$USER_A" list -q)" = r3 ]
  # user B: an empty list of its own, and A's root is closed to it
  [ -z "$(as "$USER_B" list -q)" ]
  run as "$USER_B" --root "$RL/$USER_A/xdg/zone" kill r3 KILL
  [ "$status" -ne 0 ]
  run as "$USER_B" --root "$RL/$USER_A/xdg/zone" delete -f r3
  [ "$status" -ne 0 ]
  kill -0 "$pid"
  as "$USER_A" kill r3 KILL
  wait_for "[ \"\$(as $USER_A state r3 | jq -r .status)\" = stopped ]"
  as "$USER_A" delete r3
  [ -z "$(ls -A "$RL/$USER_A/xdg/zone")" ]
  # gone, or a zombie its adopter has not reaped yet
  ! kill -0 "$pid" 2> /dev/null || [ "$(awk '{print $3}' /proc/$pid/stat 2> /dev/null || echo Z)" = Z ]
}

@test "rootless: ids beyond the user's own come from its /etc/subuid range through newuidmap and newgidmap" {
  command -v newuidmap > /dev/null || skip "newuidmap missing (package uidmap: make deps)"
  bundle "$USER_A" '.linux.uidMappings = [{containerID: 0, hostID: '"$UID_A"', size: 1}, {containerID: 1, hostID: 300000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: '"$GID_A"', size: 1}, {containerID: 1, hostID: 300000, size: 65536}]
    | .process.capabilities.bounding += ["CAP_CHOWN"] | .process.capabilities.effective += ["CAP_CHOWN"]
    | .process.capabilities.permitted += ["CAP_CHOWN"]
    | .mounts += [{destination: "/tmp", type: "bind", source: "'"$RL/$USER_A/b"'", options: ["rbind"]}]
    | .process.args = ["sh", "-c", "cat /proc/self/uid_map | wc -l; touch /tmp/f; chown 1000:1000 /tmp/f"]'
  run as "$USER_A" run -b "$RL/$USER_A/b" s1
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = 2 ]
  # id 1000 inside is 300000 + 999 on the host
  [ "$(stat -c %u:%g "$RL/$USER_A/b/f")" = 300999:300999 ]
  # a range that is not the user's: refused in one line, nothing left
  bundle "$USER_A" '.linux.uidMappings = [{containerID: 0, hostID: '"$UID_A"', size: 1}, {containerID: 1, hostID: 900000, size: 10}]
    | .linux.gidMappings = [{containerID: 0, hostID: '"$GID_A"', size: 1}]'
  run as "$USER_A" run -b "$RL/$USER_A/b" s2
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"linux.uidMappings"*"/etc/subuid"* ]]
  [ -z "$(ls -A "$RL/$USER_A/xdg/zone")" ]
}

@test "rootless: a limit without a delegated cgroup, and bridge networking, are refused in one line; nothing is left" {
  bundle "$USER_A" '.linux.resources = {memory: {limit: 33554432}} | .process.args = ["true"]'
  run as "$USER_A" run -b "$RL/$USER_A/b" l1
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"linux.resources.memory.limit: an ordinary user's zone is limited only in a cgroup delegated"* ]]
  bundle "$USER_A" '.annotations = {"org.zone.net.mode": "bridge"} | .process.args = ["true"]'
  run as "$USER_A" run -b "$RL/$USER_A/b" l2
  [ "$status" -eq 1 ]
  [[ "$output" == *"org.zone.net.mode: bridge needs root"* ]]
  [ -z "$(ls -A "$RL/$USER_A/xdg/zone")" ]
  [ -z "$(ls -d /sys/fs/cgroup/*/zone/l[12]@* /sys/fs/cgroup/zone/l[12]@* 2> /dev/null)" ]
}

# who USER|root ARGS...: zone as the test user, or as root with the user's root directory
who() {
  if [ "$1" = root ]; then shift; "$ZONE_BIN" --root "$RL/root-zones" "$@"; else as "$@"; fi
}

@test "slirp4netns: a network of the zone's own and a port published on the host's loopback (as the user where /dev/net/tun allows it)" {
  command -v slirp4netns > /dev/null || skip "slirp4netns missing (make deps)"
  port=$((21000 + N))
  bundle "$USER_A" '.annotations = {"org.zone.net.mode": "slirp4netns", "org.zone.net.ports": "127.0.0.1:'"$port"':80"}
    | .process.args = ["sh", "-c", "ip -4 addr show tap0 | grep -o \"inet [0-9./]*\" > /dev/shm/addr; while :; do echo hello-from-zone | nc -l -p 80; done"]'
  runner="$USER_A"
  if ! setpriv --reuid="$USER_A" --regid="$USER_A" --init-groups test -r /dev/net/tun -a -w /dev/net/tun; then
    # This host keeps the tun device to root (rootless podman fails the same way): one clear
    # line for the user, and the mode itself is tested as root.
    run as "$USER_A" run -d -b "$RL/$USER_A/b" n1
    [ "$status" -eq 1 ]
    [[ "$output" == *"slirp4netns needs /dev/net/tun, which uid $UID_A may not open here"* ]]
    [ -z "$(ls -A "$RL/$USER_A/xdg/zone")" ]
    runner=root
  fi
  who $runner run -d -b "$RL/$USER_A/b" n1
  slirp=$(who $runner state n1 | jq -r '.annotations["org.zone.net.slirp4netns"]' | cut -d' ' -f1)
  [ "$(stat -c %U /proc/$slirp)" = "$runner" ]
  [ "$(who $runner exec n1 cat /dev/shm/addr)" = "inet 10.0.2.100/24" ]
  wait_for "[ \"\$(busybox nc 127.0.0.1 $port < /dev/null)\" = hello-from-zone ]"
  who $runner delete -f n1
  ! kill -0 "$slirp" 2> /dev/null || [ "$(awk '{print $3}' /proc/$slirp/stat 2> /dev/null || echo Z)" = Z ]
  run busybox nc -w 1 127.0.0.1 "$port" < /dev/null
  [ "$status" -ne 0 ]
  # the bridge's settings are the bridge's only
  bundle "$USER_A" '.annotations = {"org.zone.net.mode": "slirp4netns", "org.zone.net.address": "10.1.2.3"}'
  run as "$USER_A" run -b "$RL/$USER_A/b" n2
  [ "$status" -eq 1 ]
  [[ "$output" == *"annotations.org.zone.net.address: only for mode bridge"* ]]
}

# USER's own systemd instance (user@UID.service), as a login would start it.
start_user_manager() {
  local uid
  uid=$(id -u "$1")
  systemctl start "user@$uid.service"
  wait_for "[ -S /run/user/$uid/bus ]"
}

# as_session USER ARGS...: a command as USER in its login environment (its runtime directory and bus).
as_session() {
  local u=$1 uid
  uid=$(id -u "$u")
  shift
  setpriv --reuid="$u" --regid="$u" --init-groups --reset-env \
    env XDG_RUNTIME_DIR="/run/user/$uid" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

@test "rootless, delegated cgroup (v2 with systemd): a memory limit holds in a Delegate=yes scope and under --systemd-cgroup" {
  [ -d /run/systemd/system ] && [ -f /sys/fs/cgroup/cgroup.controllers ] || \
    skip "needs systemd as PID 1 on pure cgroup v2 (the v2 guest: make check-v2)"
  start_user_manager "$USER_A"
  uid=$UID_A
  bundle "$USER_A" '.linux.resources = {memory: {limit: 33554432}, pids: {limit: 40}}
    | .process.args = ["sh", "-c", "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"]'
  # cgroupfs in a scope delegated to the user: the zone's cgroup beside zone's own
  run as_session "$USER_A" systemd-run --user --scope -p Delegate=yes --quiet "$RL/zone" --debug run -b "$RL/$USER_A/b" c1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"in the cgroup delegated to uid $uid"* ]]
  [[ "$(as_session "$USER_A" systemd-run --user --scope -p Delegate=yes --quiet "$RL/zone" features \
        | jq -r '.annotations["org.zone.rootless.cgroup"]')" == "delegated: /user.slice/"* ]]
  [ "$(grep -v '^zone: debug' <<< "$output" | tr '\n' ' ')" = "33554432 40 " ]
  # --systemd-cgroup: a transient scope in the user's own manager (runc's systemdUser)
  run as_session "$USER_A" "$RL/zone" --systemd-cgroup run -b "$RL/$USER_A/b" c2
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "33554432
40" ]
  [ -z "$(as_session "$USER_A" systemctl --user list-units --no-legend 'zone-*' 2> /dev/null)" ]
  # the freezer is the user's too there: pause and resume a zone left running by its scope
  bundle "$USER_A" '.linux.resources = {memory: {limit: 33554432}} | .process.args = ["sleep", "1000"]'
  as_session "$USER_A" systemd-run --user --scope -p Delegate=yes --quiet "$RL/zone" run -d -b "$RL/$USER_A/b" c3
  as_session "$USER_A" "$RL/zone" pause c3
  [ "$(as_session "$USER_A" "$RL/zone" state c3 | jq -r .status)" = paused ]
  pid=$(as_session "$USER_A" "$RL/zone" state c3 | jq .pid)
  grep -q 'State:.*(stopped)\|frozen' /proc/$pid/status || [ "$(cat "/sys/fs/cgroup$(cut -d: -f3 /proc/$pid/cgroup)/cgroup.freeze")" = 1 ]
  as_session "$USER_A" "$RL/zone" resume c3
  [ "$(as_session "$USER_A" "$RL/zone" state c3 | jq -r .status)" = running ]
  as_session "$USER_A" "$RL/zone" delete -f c3
  [ -z "$(ls -A /run/user/$uid/zone)" ]
  systemctl stop "user@$uid.service"
}
