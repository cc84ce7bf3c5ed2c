#!/usr/bin/env bats
# A zone never signals or removes a cgroup it did not make.  Every target here is a cgroup the
# test made itself, with a canary process in it that must survive whatever zone does.

load helpers

# Every cgroup hierarchy of the host (each v1 controller's and the v2 one).
hierarchies() {
  local d
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    echo /sys/fs/cgroup
    return
  fi
  for d in /sys/fs/cgroup/*; do
    [ -L "$d" ] && continue
    case "$(stat -f -c %T "$d")" in cgroupfs | cgroup2fs) echo "$d" ;; esac
  done
}

# Make cgroup PATH in every hierarchy (cpuset filled in so that tasks may join).
make_cgroup() { # PATH
  local h dir part
  for h in $(hierarchies); do
    dir=$h
    for part in ${1//\// }; do
      dir=$dir/$part
      mkdir -p "$dir"
      # v1 cpuset takes no task until cpus and mems are set (v2 inherits them)
      if [ "$(stat -f -c %T "$h")" = cgroupfs ] && [ -f "$dir/cpuset.cpus" ] && [ -z "$(cat "$dir/cpuset.cpus")" ]; then
        cat "$(dirname "$dir")/cpuset.cpus" > "$dir/cpuset.cpus"
        cat "$(dirname "$dir")/cpuset.mems" > "$dir/cpuset.mems"
      fi
    done
  done
}

# A process of the test's in cgroup PATH of every hierarchy; its pid in CANARY.
start_canary() { # PATH
  local h
  sleep 1000 &
  CANARY=$!
  for h in $(hierarchies); do
    echo "$CANARY" > "$h$1/cgroup.procs"
  done
}

# `run zone create ID`, but with the output in a file: should a create wrongly succeed, its
# init keeps the output open, and `run` would wait for it forever.
try_create() { # ID
  status=0
  timeout 30 "$ZONE_BIN" --root "$ZROOT" create "$1" > "$BATS_TEST_TMPDIR/create.out" 2>&1 < /dev/null || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/create.out")
  mapfile -t lines < "$BATS_TEST_TMPDIR/create.out"
}

canary_alive() {
  kill -0 "$CANARY" 2>/dev/null && [ "$(awk '{print $3}' /proc/$CANARY/stat)" != Z ]
}

# The canary is still in PATH in every hierarchy, and PATH still exists.
canary_in() { # PATH
  local h
  canary_alive || { echo "the canary died" >&2; return 1; }
  for h in $(hierarchies); do
    [ -d "$h$1" ] || { echo "$h$1 was removed" >&2; return 1; }
    grep -qx "$CANARY" "$h$1/cgroup.procs" || { echo "the canary left $h$1" >&2; return 1; }
  done
}

setup() {
  zone_setup
  # a cgroup subtree of this test's own
  TCG=/zonetest-$$-$BATS_TEST_NUMBER
  CANARY=
}

teardown() {
  local h status=0
  zone_teardown || status=$?
  [ -n "$CANARY" ] && kill -9 "$CANARY" 2>/dev/null && wait "$CANARY" 2>/dev/null
  for h in $(hierarchies); do
    [ -d "$h$TCG" ] && find "$h$TCG" -depth -type d -exec rmdir {} \;
  done
  return $status
}

# Run a command in a mount namespace where the test's cgroup $TCG stands in for the root of
# every hierarchy: a zone that went for "the root cgroup" there can only reach the test's own.
in_sandbox() {
  local binds="" h
  for h in $(hierarchies); do binds="$binds mount --bind '$h$TCG' '$h';"; done
  unshare -m --propagation private sh -ec "$binds"' exec "$@"' sh "$@"
}

@test "cgroupsPath / (in any spelling), /zone and paths with .. are refused; nothing is left" {
  make_cgroup "$TCG/canary"
  start_canary "$TCG/canary"
  set_args true
  for p in / // /./ . "a/../.." "../x" "/a/../b" /zone; do
    cfg --arg p "$p" '.linux.cgroupsPath = $p'
    status=0
    in_sandbox timeout 30 "$ZONE_BIN" --root "$ZROOT" create bad > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null || status=$?
    echo "$p: $(cat "$BATS_TEST_TMPDIR/out")"
    [ "$status" -eq 1 ]
    [ "$(wc -l < "$BATS_TEST_TMPDIR/out")" -eq 1 ]
    grep -q "linux.cgroupsPath" "$BATS_TEST_TMPDIR/out"
    [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
    canary_in "$TCG/canary"
  done
}

@test "an existing cgroup with a process in it is refused, and its process survives" {
  make_cgroup "$TCG/busy"
  start_canary "$TCG/busy"
  set_args true
  cfg --arg p "$TCG/busy" '.linux.cgroupsPath = $p'
  try_create c1
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"cgroup \`$TCG/busy\` already exists and holds process $CANARY"* ]]
  [ -z "$(ls -A "$ZROOT")" ]
  canary_in "$TCG/busy"
  # a parent of other cgroups (as /system.slice is) is refused too, even with no process of its own
  cfg --arg p "$TCG" '.linux.cgroupsPath = $p'
  try_create c2
  [ "$status" -eq 1 ]
  [[ "$output" == *"has cgroups below it"* ]]
  canary_in "$TCG/busy"
  # so is a frozen one (the init would hang in it)
  make_cgroup "$TCG/frozen"
  if [ -f "/sys/fs/cgroup/freezer$TCG/frozen/freezer.state" ]; then
    echo FROZEN > "/sys/fs/cgroup/freezer$TCG/frozen/freezer.state"
  else
    echo 1 > "/sys/fs/cgroup$TCG/frozen/cgroup.freeze"
  fi
  cfg --arg p "$TCG/frozen" '.linux.cgroupsPath = $p'
  try_create c3
  [ "$status" -eq 1 ]
  [[ "$output" == *"is frozen"* ]]
  [ -z "$(ls -A "$ZROOT")" ]
}

@test "a shared cgroup (org.zone.cgroup.shared): kill --all, delete --force and a failed create spare the canary" {
  make_cgroup "$TCG/shared"
  start_canary "$TCG/shared"
  set_idle
  cfg --arg p "$TCG/shared" '.linux.cgroupsPath = $p | .annotations["org.zone.cgroup.shared"] = "true"'
  zone run -d s1 > "$BATS_TEST_TMPDIR/out" 2>&1
  pid=$(zone state s1 | jq .pid)
  # the zone's init is in the shared cgroup beside the canary
  grep -qx "$pid" "$(hierarchies | head -1)$TCG/shared/cgroup.procs"
  zone kill --all s1 KILL
  wait_for "[ \"\$(zone_status s1)\" = stopped ]"
  canary_in "$TCG/shared"
  zone delete s1
  canary_in "$TCG/shared"
  # delete --force of a running zone
  zone run -d s2 > "$BATS_TEST_TMPDIR/out" 2>&1
  zone delete --force s2
  canary_in "$TCG/shared"
  # a create that fails after its init joined the cgroup
  set_args no-such-program
  try_create s3
  [ "$status" -eq 1 ]
  [[ "$output" == *"no-such-program"* ]]
  canary_in "$TCG/shared"
  [ -z "$(ls -A "$ZROOT")" ]
  # and a bad value of the annotation is one line naming it
  cfg '.annotations["org.zone.cgroup.shared"] = "yes"'
  try_create s4
  [ "$status" -eq 1 ]
  [[ "$output" == *"annotations.org.zone.cgroup.shared"* ]]
}

@test "an existing empty cgroup is joined, not owned: delete leaves it in place" {
  make_cgroup "$TCG/empty"
  set_idle
  cfg --arg p "$TCG/empty" '.linux.cgroupsPath = $p'
  zone run -d j1 > /dev/null 2>&1
  pid=$(zone state j1 | jq .pid)
  grep -qx "$pid" "$(hierarchies | head -1)$TCG/empty/cgroup.procs"
  zone delete --force j1
  for h in $(hierarchies); do [ -d "$h$TCG/empty" ]; done
}

@test "another zone's cgroup is refused; that zone goes on running" {
  make_cgroup "$TCG"
  set_idle
  cfg --arg p "$TCG/a" '.linux.cgroupsPath = $p'
  zone run -d a1 > /dev/null 2>&1
  try_create a2
  [ "$status" -eq 1 ]
  [[ "$output" == *"already exists and holds process"* ]]
  [ "$(zone_status a1)" = running ]
  # the default cgroup of a zone is /zone/ID (with a tag of a non-default root): name it by hand
  cfg 'del(.linux.cgroupsPath)'
  zone run -d d1 > /dev/null 2>&1
  d1=$(sed -n 's/^[0-9]*:[^:]*:\(\/zone\/d1@[^/]*\)$/\1/p' /proc/$(zone state d1 | jq .pid)/cgroup | head -1)
  [ -n "$d1" ]
  cfg --arg p "$d1" '.linux.cgroupsPath = $p'
  try_create d2
  [ "$status" -eq 1 ]
  [[ "$output" == *"already exists"* ]]
  [ "$(zone_status d1)" = running ]
  # zone made $TCG/a and removes it with the zone, and nothing else of the test's
  zone delete --force a1
  for h in $(hierarchies); do [ ! -e "$h$TCG/a" ] && [ -d "$h$TCG" ]; done
}

@test "the same id under two --root directories: two cgroups, and one's delete spares the other" {
  set_idle
  root2=$BATS_TEST_TMPDIR/state2
  zone run -d web > /dev/null 2>&1
  "$ZONE_BIN" --root "$root2" run -d web > /dev/null 2>&1
  p1=$(zone state web | jq .pid)
  p2=$("$ZONE_BIN" --root "$root2" state web | jq .pid)
  [ "$(zone ps --format json web)" != "$("$ZONE_BIN" --root "$root2" ps --format json web)" ]
  zone ps --format json web | jq -e --argjson p "$p2" 'index($p) == null'
  "$ZONE_BIN" --root "$root2" delete --force web
  [ "$(zone_status web)" = running ]
  kill -0 "$p1"
  zone kill --all web KILL
  wait_for "[ \"\$(zone_status web)\" = stopped ]"
  ! kill -0 "$p2" 2>/dev/null || [ "$(awk '{print $3}' /proc/$p2/stat)" = Z ]
}

@test "a nested relative cgroupsPath: delete removes every directory zone made and no other" {
  set_idle
  cfg --arg p "zt-$$-$BATS_TEST_NUMBER/b" '.linux.cgroupsPath = $p'
  zone run -d n1 > /dev/null 2>&1
  h=$(hierarchies | head -1)
  [ -d "$h/zone/zt-$$-$BATS_TEST_NUMBER/b" ]
  zone delete --force n1
  [ ! -e "$h/zone/zt-$$-$BATS_TEST_NUMBER" ]
}
