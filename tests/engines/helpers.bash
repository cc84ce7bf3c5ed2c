# Shared by the engine tests: each engine runs on directories under $ZONE_ENGINE_TMP/<engine>
# and is stopped, with everything it made, when its file is done.

[ -n "${ZONE_ENGINE_TMP:-}" ] || { echo "ZONE_ENGINE_TMP is not set: run tests/engines/run" >&2; exit 1; }

# A process that runs until SIGTERM, so that `stop` ends it at once.
IDLE='trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done'

# Wait until `cond` (a shell string) holds, up to 20 s.
wait_for() {
  local i
  for i in $(seq 200); do
    eval "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  return 1
}

# On a pure cgroup v2 host with systemd as PID 1, engines use systemd's cgroups (their default
# there, and the path Kubernetes-style hosts take); elsewhere they manage cgroupfs themselves.
systemd_v2_host() {
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && [ "$(ps -o comm= -p 1)" = systemd ]
}

# What an engine leaves on the host once it is stopped: none of it may stay.
mounts_under() { grep -c " $1" /proc/self/mountinfo || true; }

# The memory limit of the zone's cgroup as the zone itself reads it, on v1 or v2.
MEMLIMIT='cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'

# nftables tables that appeared since $1 (a saved `nft list tables`): engines' NAT for published
# ports; removed with the test that made them.
drop_new_nft_tables() {
  local t
  nft list tables 2>/dev/null | sort > "$1.after"
  comm -13 <(sort "$1") "$1.after" | while read -r _ fam name; do
    nft delete table "$fam" "$name" 2>/dev/null || true
  done
  rm -f "$1.after"
}

# Cgroups an engine makes for itself (podman's libpod_parent, conmon's): removed after the engine
# when they were not there before it, and only where empty.
remove_engine_cgroups() { # NAME
  local d
  for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}

# Through engine command $1 (a function taking the engine's own subcommands) on its running
# container $2 made with -m 32m: the limit is seen from inside and enforced, `update` raises
# it, and pause and unpause work.
check_limit_update_pause() { # ENGINE NAME
  local e=$1 c=$2
  run $e exec "$c" sh -c "$MEMLIMIT"
  [ "$output" = 33554432 ]
  # dd's 64 MiB buffer, filled: the OOM killer ends it (128+9); a 16 MiB one is fine
  run $e exec "$c" dd if=/dev/zero of=/dev/null bs=64M count=1
  [ "$status" -eq 137 ]
  run $e exec "$c" dd if=/dev/zero of=/dev/null bs=16M count=1
  [ "$status" -eq 0 ]
  $e update --memory 64m --memory-swap 64m "$c" > /dev/null
  run $e exec "$c" sh -c "$MEMLIMIT"
  [ "$output" = 67108864 ]
  $e pause "$c" > /dev/null
  [ "$($e inspect -f '{{.State.Status}}' "$c")" = paused ]
  $e unpause "$c" > /dev/null
  [ "$($e inspect -f '{{.State.Status}}' "$c")" = running ]
}
