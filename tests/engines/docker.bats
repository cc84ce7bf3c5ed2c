#!/usr/bin/env bats
# dockerd with zone as an added runtime (`--add-runtime zone=...`), on its own data-root,
# exec-root and socket, with no bridge and no iptables rules of its own.

load helpers

setup_file() {
  export DD=$ZONE_ENGINE_TMP/docker
  mkdir -p "$DD"
  dockerd --data-root "$DD/data" --exec-root "$DD/exec" -H "unix://$DD/docker.sock" --pidfile "$DD/pid" \
    --bridge none --iptables=false --ip6tables=false --add-runtime "zone=$ZONE_BIN" > "$DD/log" 2>&1 &
  if ! wait_for "d version > /dev/null 2>&1"; then
    echo "dockerd did not start; its log:" >&2
    tail -20 "$DD/log" >&2
    return 1
  fi
  d import "$ZONE_ENGINE_TMP/rootfs.tar" zonetest:latest > /dev/null
}

teardown_file() {
  local pid
  d rm -f $(d ps -aq) > /dev/null 2>&1 || true
  pid=$(cat "$DD/pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait_for "! kill -0 $pid 2>/dev/null || [ \"\$(awk '{print \$3}' /proc/$pid/stat)\" = Z ]" || kill -9 "$pid" 2>/dev/null || true
  fi
  # dockerd's own containerd goes with it; whatever it left mounted goes now
  pkill -f "containerd --config $DD/exec" 2>/dev/null || true
  grep -o " $DD[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$DD"
  remove_engine_cgroups docker
}

d() {
  docker -H "unix://$DD/docker.sock" "$@"
}

drun() {
  d run --runtime zone --network none "$@"
}

@test "docker run --rm: output and exit status come through zone" {
  run drun --rm zonetest sh -c 'echo hello from zone; exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = "hello from zone" ]
}

@test "docker: detached, exec with and without a terminal, stop, rm" {
  drun -d --name dd1 zonetest sh -c "$IDLE" > /dev/null
  wait_for "d logs dd1 | grep -q ready"
  [ "$(d inspect -f '{{.HostConfig.Runtime}}' dd1)" = zone ]
  run d exec dd1 sh -c 'exit 6'
  [ "$status" -eq 6 ]
  run d exec -t dd1 tty
  [[ "$output" == /dev/pts/* ]]
  run d exec dd1 tty
  [ "$output" = "not a tty" ]
  start=$(date +%s)
  d stop -t 20 dd1 > /dev/null
  [ $(( $(date +%s) - start )) -lt 10 ]
  [ "$(d inspect -f '{{.State.Status}}' dd1)" = exited ]
  d rm dd1 > /dev/null
}

@test "docker: a memory limit is seen from inside the zone and enforced; update changes it; pause and unpause" {
  # dockerd writes cpu.shares 0 and blockIO.weight 0 here, and again on update
  drun -d --name dm1 -m 32m --memory-swap 32m zonetest sh -c "$IDLE" > /dev/null
  wait_for "d logs dm1 | grep -q ready"
  check_limit_update_pause d dm1
  d rm -f dm1 > /dev/null
}
