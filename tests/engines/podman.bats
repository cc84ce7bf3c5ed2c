#!/usr/bin/env bats
# podman with zone as its runtime (`--runtime`), on its own storage, run and network directories.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  export PD=$ZONE_ENGINE_TMP/podman
  mkdir -p "$PD"
  export PODMAN_CGROUPS=cgroupfs
  systemd_v2_host && PODMAN_CGROUPS=systemd
  # root lacks CAP_SYS_RESOURCE here: podman's default rlimits are above the hard limits
  export ULIMITS="--ulimit nofile=20000:20000 --ulimit nproc=4096:4096"
  export HAD_LIBPOD_PARENT=$(ls -d /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent 2>/dev/null | head -1)
  # podman runs criu itself (its version check) and zone finds it on the PATH: the one
  # scripts/install-criu finds or builds, first on it
  local top criu
  top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export CRIU_WHY= PODMAN_PATH=$PATH
  if criu=$("$top/scripts/install-criu" 2> "$PD/criu.err"); then
    mkdir -p "$PD/bin"
    ln -sf "$criu" "$PD/bin/criu"
    PODMAN_PATH=$PD/bin:$PATH
  else
    CRIU_WHY=$(tail -2 "$PD/criu.err" | tr '\n' ' ')
  fi
  p import "$ZONE_ENGINE_TMP/rootfs.tar" localhost/zonetest:latest > /dev/null
}

teardown_file() {
  rootless_cleanup
  p rm -af -t 0 > /dev/null 2>&1 || true
  p network rm -f zonetest-net > /dev/null 2>&1 || true
  p system reset -f > /dev/null 2>&1 || true
  # what storage still has mounted (overlay layers, shm), then the directories
  grep -o " $PD[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$PD"
  [ -n "$HAD_LIBPOD_PARENT" ] || remove_engine_cgroups libpod_parent
}

p() {
  PATH=$PODMAN_PATH podman --root "$PD/root" --runroot "$PD/run" --tmpdir "$PD/tmp" --runtime "$ZONE_BIN" \
    --cgroup-manager "$PODMAN_CGROUPS" --events-backend file --network-config-dir "$PD/net" "$@"
}

prun() {
  p run $ULIMITS --network none "$@"
}

@test "podman run --rm: output and exit status come through zone" {
  run prun --rm localhost/zonetest sh -c 'echo hello from zone; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = "hello from zone" ]
  [ -z "$(p ps -aq)" ]
  # podman reads the runtime's words: a program that is not there is 127, one it cannot run 126
  run -127 prun --rm localhost/zonetest no-such-program
  run -126 prun --rm localhost/zonetest /etc/passwd
}

@test "podman: detached, exec with and without a terminal, stop, rm" {
  prun -d --name pd1 localhost/zonetest sh -c "$IDLE" > /dev/null
  wait_for "p logs pd1 | grep -q ready"
  run p exec pd1 sh -c 'echo $$; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" -gt 1 ]
  run p exec -t pd1 tty
  [ "$status" -eq 0 ]
  [[ "$output" == /dev/pts/* ]]
  run p exec pd1 tty
  [ "$output" = "not a tty" ]
  # the zone's process ends on SIGTERM: stop must not wait for its timeout
  start=$(date +%s)
  p stop -t 20 pd1 > /dev/null
  [ $(( $(date +%s) - start )) -lt 10 ]
  [ "$(p inspect -f '{{.State.Status}}' pd1)" = exited ]
  p rm pd1 > /dev/null
  [ -z "$(p ps -aq)" ]
}

@test "podman: a memory limit is seen from inside the zone and enforced; update changes it; pause and unpause" {
  prun -d --name pm1 -m 32m --memory-swap 32m localhost/zonetest sh -c "$IDLE" > /dev/null
  wait_for "p logs pm1 | grep -q ready"
  check_limit_update_pause p pm1
  p rm -f -t 0 pm1 > /dev/null
}

@test "podman --read-only and --tmpfs (tmpcopyup): /tmp and the tmpfs are writable, the root is not" {
  run prun --rm --read-only --tmpfs /data localhost/zonetest \
    sh -c 'echo a > /tmp/x && echo b > /data/y && cat /tmp/x /data/y; touch /z 2>/dev/null || echo root-ro; ls /bin/busybox'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = a ]
  [ "${lines[1]}" = b ]
  [ "${lines[2]}" = root-ro ]
  [ "${lines[3]}" = /bin/busybox ]
}

@test "podman --uidmap: root in the zone is an unprivileged id on the host" {
  run prun --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 localhost/zonetest \
    sh -c 'id -u; cat /proc/self/uid_map; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "$(echo ${lines[1]})" = "0 100000 65536" ]
}

@test "podman's bridge network: a published port answers on 127.0.0.1" {
  nft list tables 2>/dev/null > "$BATS_TEST_TMPDIR/nft.before" || true
  p network create --subnet 10.231.47.0/24 zonetest-net > /dev/null
  p run $ULIMITS -d --name pw1 --network zonetest-net -p 127.0.0.1:18097:8080 localhost/zonetest \
    sh -c 'mkdir -p /www && echo served-by-zone > /www/index.html && exec httpd -f -p 8080 -h /www' > /dev/null
  run wait_for "timeout 5 busybox wget -q -O - http://127.0.0.1:18097/ | grep -q served-by-zone"
  got=$(timeout 5 busybox wget -q -O - http://127.0.0.1:18097/ 2>&1 || true)
  p rm -f -t 0 pw1 > /dev/null
  p network rm -f zonetest-net > /dev/null
  drop_new_nft_tables "$BATS_TEST_TMPDIR/nft.before"
  echo "got: $got"
  [ "$status" -eq 0 ]
  [ "$got" = served-by-zone ]
}

@test "podman container checkpoint / restore, --export / --import, -R and a second copy by --name" {
  [ -z "$CRIU_WHY" ] || skip "no criu works here: $CRIU_WHY"
  prun -d --name pc1 localhost/zonetest sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/count; sleep 0.05; done' \
    > /dev/null
  wait_for '[ "$(p exec pc1 cat /tmp/count 2>/dev/null || echo 0)" -ge 5 ]'
  p container checkpoint pc1 > /dev/null
  [ "$(p inspect -f '{{.State.Status}}' pc1)" = exited ]
  at=$(p exec pc1 cat /tmp/count 2>/dev/null || cat "$(p inspect -f '{{.GraphDriver.Data.UpperDir}}' pc1)/tmp/count")
  p container restore pc1 > /dev/null
  [ "$(p inspect -f '{{.State.Status}}' pc1)" = running ]
  # on from where it stood, not from 1
  wait_for "[ \$(p exec pc1 cat /tmp/count) -gt $at ]"
  # into an archive, the container removed, and back from the archive
  p container checkpoint --export "$BATS_TEST_TMPDIR/pc1.tar.gz" pc1 > /dev/null
  p rm pc1 > /dev/null
  p container restore --import "$BATS_TEST_TMPDIR/pc1.tar.gz" > /dev/null
  [ "$(p inspect -f '{{.State.Status}}' pc1)" = running ]
  [ "$(p exec pc1 cat /tmp/count)" -gt "$at" ]
  # -R: it runs on; the archive restored under another name runs beside it
  p container checkpoint -R --export "$BATS_TEST_TMPDIR/pc1b.tar.gz" pc1 > /dev/null
  [ "$(p inspect -f '{{.State.Status}}' pc1)" = running ]
  p container restore --import "$BATS_TEST_TMPDIR/pc1b.tar.gz" --name pc2 > /dev/null
  at=$(p exec pc2 cat /tmp/count)
  wait_for "[ \$(p exec pc2 cat /tmp/count) -gt $at ]"
  at=$(p exec pc1 cat /tmp/count)
  wait_for "[ \$(p exec pc1 cat /tmp/count) -gt $at ]"
  p rm -f -t 0 pc1 pc2 > /dev/null
  [ -z "$(p ps -aq)" ]
}

@test "podman container checkpoint / restore of a container with a terminal (-t)" {
  [ -z "$CRIU_WHY" ] || skip "no criu works here: $CRIU_WHY"
  prun -dt --name pt1 localhost/zonetest sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/count; echo tick $i; sleep 0.05; done' \
    > /dev/null
  wait_for '[ "$(p exec pt1 cat /tmp/count 2>/dev/null || echo 0)" -ge 5 ]'
  p container checkpoint pt1 > /dev/null
  [ "$(p inspect -f '{{.State.Status}}' pt1)" = exited ]
  p container restore pt1 > /dev/null
  [ "$(p inspect -f '{{.State.Status}}' pt1)" = running ]
  at=$(p exec pt1 cat /tmp/count)
  wait_for "[ \$(p exec pt1 cat /tmp/count) -gt $at ]"
  # what it writes on its new terminal reaches podman's log
  n=$(p logs pt1 | grep -c tick)
  wait_for "[ \$(p logs pt1 | grep -c tick) -gt $n ]"
  p rm -f -t 0 pt1 > /dev/null
  [ -z "$(p ps -aq)" ]
}

# An ordinary user of the test's own, with a home (podman's storage) and ranges of ids.
RLU=zpodrl
rootless_podman() {
  setpriv --reuid="$RLU" --regid="$RLU" --init-groups --reset-env \
    env HOME="$ZONE_ENGINE_TMP/$RLU" XDG_RUNTIME_DIR="$ZONE_ENGINE_TMP/$RLU/xdg" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    podman --runtime "$ZONE_BIN" --cgroup-manager cgroupfs --events-backend file "$@"
}

rootless_cleanup() {
  id "$RLU" > /dev/null 2>&1 || return 0
  rootless_podman rm -af -t 0 > /dev/null 2>&1 || true
  rootless_podman system reset -f > /dev/null 2>&1 || true
  pkill -KILL -u "$RLU" 2> /dev/null || true
  userdel "$RLU" 2> /dev/null || true
  rm -rf "${ZONE_ENGINE_TMP:?}/$RLU"
}

@test "rootless podman: an ordinary user's podman runs a container and an exec with zone" {
  rootless_cleanup
  useradd -M -d "$ZONE_ENGINE_TMP/$RLU" -s /bin/sh "$RLU"
  usermod --add-subuids 400000-465535 --add-subgids 400000-465535 "$RLU"
  mkdir -p "$ZONE_ENGINE_TMP/$RLU/xdg"
  chown -R "$RLU:" "$ZONE_ENGINE_TMP/$RLU"
  chmod 700 "$ZONE_ENGINE_TMP/$RLU/xdg"
  # podman's own network (slirp4netns) needs /dev/net/tun open to the user, whatever the
  # runtime; where the host keeps it to root, the container has none
  net=""
  setpriv --reuid="$RLU" --regid="$RLU" --init-groups test -r /dev/net/tun -a -w /dev/net/tun || net="--network none"
  rootless_podman import "$ZONE_ENGINE_TMP/rootfs.tar" localhost/zonetest-rl > /dev/null
  run --separate-stderr rootless_podman run --rm $net localhost/zonetest-rl sh -c 'id -u; wc -l < /proc/self/uid_map'
  echo "$output"
  [ "$status" -eq 0 ]
  # root inside; the user's own id and its subordinate ranges mapped
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" -ge 2 ]
  rootless_podman run -d --name rl1 $net localhost/zonetest-rl sh -c "$IDLE" > /dev/null
  [ "$(rootless_podman exec rl1 sh -c 'echo exec-ok')" = exec-ok ]
  # zone's state lives in the user's runtime directory, none of it in root's
  [ -n "$(ls "$ZONE_ENGINE_TMP/$RLU/xdg/zone")" ]
  rootless_podman rm -f -t 0 rl1 > /dev/null
  rootless_cleanup
}
