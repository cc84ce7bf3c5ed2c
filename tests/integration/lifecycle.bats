#!/usr/bin/env bats
# The OCI lifecycle as runc's command line drives it: create, start, state, kill, delete, run.

load helpers

@test "run: a bundle made by zone spec runs and returns the process's exit status" {
  set_args sh -c 'echo hello; exit 7'
  run zone run r1
  [ "$status" -eq 7 ]
  [ "$output" = "hello" ]
  # run deletes the zone unless --keep
  [ ! -e "$ZROOT/r1" ]
}

@test "run --keep leaves the stopped zone; delete removes it" {
  set_args true
  run zone run --keep r2
  [ "$status" -eq 0 ]
  [ "$(zone_status r2)" = stopped ]
  zone delete r2
  [ ! -e "$ZROOT/r2" ]
}

@test "run: a zone killed by a signal exits 128+signal" {
  set_idle
  zone run k1 > "$BATS_TEST_TMPDIR/out" &
  runpid=$!
  wait_for "grep -q ready $BATS_TEST_TMPDIR/out"
  zone kill k1 KILL
  rc=0
  wait $runpid || rc=$?
  [ "$rc" -eq 137 ]
}

@test "run in the foreground forwards SIGTERM to the zone" {
  set_idle
  # Not through the zone() function: $! must be the runtime itself, not a subshell.
  "$ZONE_BIN" --root "$ZROOT" run f1 > "$BATS_TEST_TMPDIR/out" &
  runpid=$!
  wait_for "grep -q ready $BATS_TEST_TMPDIR/out"
  kill -TERM $runpid
  rc=0
  wait $runpid || rc=$?
  [ "$rc" -eq 0 ]
  grep -q got-TERM "$BATS_TEST_TMPDIR/out"
}

@test "create, start, state, kill, delete step by step" {
  set_idle
  zone create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" s1 > "$BATS_TEST_TMPDIR/out"
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  run zone state s1
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .status)" = created ]
  [ "$(echo "$output" | jq -r .pid)" = "$pid" ]
  [ "$(echo "$output" | jq -r .id)" = s1 ]
  [ "$(echo "$output" | jq -r .bundle)" = "$BUNDLE" ]
  [ "$(echo "$output" | jq -r .ociVersion)" != null ]
  # created: the init waits, the user's process has not run yet
  [ "$(grep -c ready "$BATS_TEST_TMPDIR/out")" = 0 ]
  kill -0 "$pid"

  zone start s1
  [ "$(zone_status s1)" = running ]
  wait_for "grep -q ready $BATS_TEST_TMPDIR/out"
  # the pid stays the same process: it exec'd the user's program
  [ "$(cat /proc/$pid/comm)" != zone ]

  zone kill s1 USR1
  wait_for "grep -q got-USR1 $BATS_TEST_TMPDIR/out"
  zone kill s1
  wait_for "grep -q got-TERM $BATS_TEST_TMPDIR/out"
  wait_for '[ "$(zone_status s1)" = stopped ]'
  zone delete s1
  [ ! -e "$ZROOT/s1" ]
  run zone state s1
  [ "$status" -ne 0 ]
  [[ "$output" == *"\`s1\`: container does not exist"* ]]
}

@test "kill accepts signal names with and without SIG, and numbers" {
  set_idle
  zone create n1 > "$BATS_TEST_TMPDIR/out"
  zone start n1
  wait_for "grep -q ready $BATS_TEST_TMPDIR/out"
  zone kill n1 SIGUSR1
  wait_for "[ \$(grep -c got-USR1 $BATS_TEST_TMPDIR/out) -ge 1 ]"
  zone kill n1 usr1
  wait_for "[ \$(grep -c got-USR1 $BATS_TEST_TMPDIR/out) -ge 2 ]"
  zone kill n1 10
  wait_for "[ \$(grep -c got-USR1 $BATS_TEST_TMPDIR/out) -ge 3 ]"
  run zone kill n1 NOSUCHSIG
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown signal"* ]]
  zone kill --all n1 KILL
  wait_for '[ "$(zone_status n1)" = stopped ]'
  run zone kill n1 TERM
  [ "$status" -ne 0 ]
  [[ "$output" == *"cannot kill \`n1\`: container not running"* ]]
}

@test "a second create with the same id fails and leaves the first untouched" {
  set_idle
  zone create d1 > /dev/null
  pid=$(zone state d1 | jq .pid)
  run zone create d1
  [ "$status" -ne 0 ]
  [[ "$output" == *"\`d1\`: container with given ID already exists"* ]]
  [ "$(zone_status d1)" = created ]
  [ "$(zone state d1 | jq .pid)" = "$pid" ]
  kill -0 "$pid"
  zone start d1
  [ "$(zone_status d1)" = running ]
}

@test "delete refuses a running zone; --force kills it and cleans up" {
  set_idle
  zone run -d rf > /dev/null
  pid=$(zone state rf | jq .pid)
  run zone delete rf
  [ "$status" -ne 0 ]
  [[ "$output" == *"not stopped"* ]]
  zone delete --force rf
  [ ! -e "$ZROOT/rf" ]
  ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
  [ -z "$(ls -d /sys/fs/cgroup/*/zone/rf@* /sys/fs/cgroup/zone/rf@* 2>/dev/null)" ]
  # and --force on an id that does not exist is not an error, as with runc
  zone delete --force rf
}

@test "delete of a created zone kills its waiting init" {
  set_idle
  zone create dc > /dev/null
  pid=$(zone state dc | jq .pid)
  zone delete dc
  [ ! -e "$ZROOT/dc" ]
  ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
}

@test "stop: SIGTERM first, SIGKILL after the timeout" {
  set_idle
  zone run -d st1 > "$BATS_TEST_TMPDIR/out"
  wait_for "grep -q ready $BATS_TEST_TMPDIR/out"
  zone stop st1
  grep -q got-TERM "$BATS_TEST_TMPDIR/out"
  [ "$(zone_status st1)" = stopped ]

  set_args sh -c 'trap "" TERM; echo ready; while true; do sleep 0.05; done'
  zone run -d st2 > "$BATS_TEST_TMPDIR/out2"
  wait_for "grep -q ready $BATS_TEST_TMPDIR/out2"
  start=$(date +%s)
  zone stop --timeout 1 st2
  [ "$(zone_status st2)" = stopped ]
  [ $(( $(date +%s) - start )) -ge 1 ]
}

@test "list: table, json and quiet" {
  set_idle
  zone create la > /dev/null
  zone run -d lb > /dev/null
  run zone list
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == ID*PID*STATUS*BUNDLE*CREATED*OWNER*ADDRESS ]]
  [[ "${lines[1]}" == la*created* ]]
  [[ "${lines[2]}" == lb*running* ]]
  [ "$(zone list -q | tr '\n' ' ')" = "la lb " ]
  [ "$(zone list --format json | jq -r '.[1].status')" = running ]
  [ "$(zone list --format json | jq length)" = 2 ]
  # runc's layout: one line, runc's keys in runc's order, annotations only when there are some
  cfg '.annotations = {"a.b": "c"}'
  zone create lc > /dev/null
  json=$(zone list --format json)
  [ "$(echo "$json" | wc -l)" -eq 1 ]
  [ "$(echo "$json" | jq -c '[.[] | keys_unsorted]')" = '[["ociVersion","id","pid","status","bundle","rootfs","created","owner"],["ociVersion","id","pid","status","bundle","rootfs","created","owner"],["ociVersion","id","pid","status","bundle","rootfs","created","annotations","owner"]]' ]
  [ "$(echo "$json" | jq -r '.[2].annotations["a.b"]')" = c ]
  [ "$(echo "$json" | jq -r '.[0].rootfs')" = "$ZONE_TEST_ROOTFS" ]
  [ "$(zone state lc | jq -c keys_unsorted)" = '["ociVersion","id","pid","status","bundle","rootfs","created","annotations","owner"]' ]
}

@test "after a crash of the runtime, delete --force cleans up" {
  set_idle
  # The foreground runtime dies without deleting: its zone keeps running.
  "$ZONE_BIN" --root "$ZROOT" run cr1 > "$BATS_TEST_TMPDIR/out" &
  runpid=$!
  wait_for "grep -q ready $BATS_TEST_TMPDIR/out"
  kill -9 $runpid
  wait $runpid || true
  [ "$(zone_status cr1)" = running ]
  zone delete --force cr1
  [ ! -e "$ZROOT/cr1" ]

  # A create that died before its init was cloned left only a state dir.
  mkdir -p "$ZROOT/cr2"
  echo '{"ociVersion":"1.2.0","id":"cr2","status":"creating","pid":0,"bundle":"/x","cgroupPaths":[]}' > "$ZROOT/cr2/state.json"
  [ "$(zone_status cr2)" = stopped ]
  zone delete --force cr2
  [ ! -e "$ZROOT/cr2" ]

  # A create killed before its first state write.
  mkdir -p "$ZROOT/cr3"
  zone delete --force cr3
  [ ! -e "$ZROOT/cr3" ]
}

@test "kill -9 of a zone's init makes it stopped; delete then cleans up" {
  set_idle
  zone run -d ki > /dev/null
  pid=$(zone state ki | jq .pid)
  kill -9 "$pid"
  wait_for '[ "$(zone_status ki)" = stopped ]'
  zone delete ki
}

@test "concurrent creates of one id: exactly one wins" {
  set_idle
  for i in 1 2 3 4 5 6; do
    (zone create same > /dev/null 2>&1 && echo ok > "$BATS_TEST_TMPDIR/won.$i") &
  done
  wait
  [ "$(ls "$BATS_TEST_TMPDIR"/won.* | wc -l)" -eq 1 ]
  [ "$(zone_status same)" = created ]
}

@test "ids are validated" {
  for bad in "a/b" ".." "." "a b" "$(printf 'x%.0s' $(seq 1100))"; do
    run zone create "$bad"
    [ "$status" -ne 0 ]
    [[ "$output" == *"invalid container id"* ]]
  done
  [ ! -e "$ZROOT" ] || [ -z "$(ls -A "$ZROOT")" ]
}

@test "unknown ids and commands fail with one clear line" {
  for cmd in start state kill delete; do
    run zone $cmd nosuch
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"\`nosuch\`: container does not exist"* ]]
  done
  run zone frobnicate
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown command"* ]]
  run zone start
  [ "$status" -ne 0 ]
  [[ "$output" == *"missing container id"* ]]
  run zone create --bogus x
  [ "$status" -ne 0 ]
}

@test "--log with --log-format json records errors as runc does" {
  run "$ZONE_BIN" --root "$ZROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json state nosuch
  [ "$status" -ne 0 ]
  [ "$(jq -r .level "$BATS_TEST_TMPDIR/log.json")" = error ]
  [[ "$(jq -r .msg "$BATS_TEST_TMPDIR/log.json")" == *"does not exist"* ]]
  jq -e .time "$BATS_TEST_TMPDIR/log.json"
  run "$ZONE_BIN" --root "$ZROOT" --log "$BATS_TEST_TMPDIR/log.txt" state nosuch
  grep -q 'level=error msg="`nosuch`: container does not exist"' "$BATS_TEST_TMPDIR/log.txt"
}

@test "--debug: a line per step, on stderr, or in --log (then not on stderr) as runc does" {
  set_args true
  run "$ZONE_BIN" --root "$ZROOT" --debug run dbg
  [ "$status" -eq 0 ]
  [[ "$output" == *"zone: debug: dbg: config checked"* ]]
  [[ "$output" == *"zone: debug: dbg: created, init "* ]]
  [[ "$output" == *"zone: debug: dbg: started"* ]]
  run zone run dbg2
  [ -z "$output" ]
  run "$ZONE_BIN" --root "$ZROOT" --debug --log "$BATS_TEST_TMPDIR/dbg.json" --log-format json run dbg3
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ "$(jq -r 'select(.level == "debug") | .msg' "$BATS_TEST_TMPDIR/dbg.json" | grep -c '^dbg3: ')" -ge 4 ]
}

@test "spec, features and --version" {
  d=$BATS_TEST_TMPDIR/specdir
  mkdir -p "$d"
  zone spec --bundle "$d"
  jq -e '.process.args == ["sh"] and .root.path == "rootfs"' "$d/config.json"
  run zone spec --bundle "$d"
  [ "$status" -ne 0 ]
  [[ "$output" == *"exists"* ]]
  rm "$d/config.json"
  zone spec --rootless --bundle "$d"
  jq -e '.linux.uidMappings[0].hostID == 0 and (.linux.namespaces | map(.type) | index("user"))' "$d/config.json"
  zone features | jq -e '.ociVersionMax and (.linux.namespaces | index("pid")) and (.mountOptions | index("rbind"))'
  run zone --version
  [[ "${lines[0]}" == "zone version "* ]]
}

@test "a bad config.json fails with its JSON path and leaves nothing" {
  cfg '.process.args = []'
  run zone create bad1
  [ "$status" -eq 1 ]
  [ "$output" = "zone: config.json: process.args: must be a non-empty array of strings" ]
  [ ! -e "$ZROOT/bad1" ]
  cfg '.process.args = ["true"] | .linux.namespaces += [{"type": "nope"}]'
  run zone run bad2
  [ "$status" -eq 1 ]
  [[ "$output" == *"linux.namespaces[5].type: unknown namespace type"* ]]
  [ ! -e "$ZROOT/bad2" ]
  echo '{"ociVersion": ' > "$BUNDLE/config.json"
  run zone create bad3
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: not valid JSON"* ]]
  [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
}

@test "a missing rootfs or program fails create and leaves nothing" {
  cfg '.root.path = "/nonexistent/rootfs"'
  run zone create m1
  [ "$status" -eq 1 ]
  [[ "$output" == *"root.path: rootfs \`/nonexistent/rootfs\` does not exist"* ]]
  cfg --arg r "$ZONE_TEST_ROOTFS" '.root.path = $r'
  set_args no-such-program
  run zone create m2
  [ "$status" -eq 1 ]
  [ "$output" = 'zone: exec: "no-such-program": executable file not found in $PATH' ]
  [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
  [ -z "$(ls -d /sys/fs/cgroup/*/zone/m2@* /sys/fs/cgroup/zone/m2@* 2>/dev/null)" ]
}

@test "a torn, empty or missing state.json: list shows the zone, delete --force finds its cgroup and processes by id" {
  set_idle
  for how in torn empty missing; do
    zone run -d "s-$how" > /dev/null
    pid=$(zone state "s-$how" | jq .pid)
    case $how in
      torn) head -c 20 "$ZROOT/s-$how/state.json" > "$ZROOT/s-$how/t" && mv "$ZROOT/s-$how/t" "$ZROOT/s-$how/state.json" ;;
      empty) : > "$ZROOT/s-$how/state.json" ;;
      missing) rm "$ZROOT/s-$how/state.json" ;;
    esac
    run zone list
    echo "$output"
    [[ "$output" == *"s-$how"*unknown* ]]
    [ "$(zone list --format json | jq -r --arg id "s-$how" '.[] | select(.id == $id) | .status')" = unknown ]
    zone delete --force "s-$how"
    [ ! -e "$ZROOT/s-$how" ]
    # the zone's init is gone, and so is its cgroup
    ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
    [ -z "$(ls -d /sys/fs/cgroup/*/zone/s-$how@* /sys/fs/cgroup/zone/s-$how@* 2>/dev/null)" ]
  done
}

# `zone ARGS...` must fail with exactly one line that contains WANT, and leave no zone.
one_line_error() { # WANT ARGS...
  local want=$1
  shift
  run zone "$@"
  echo "zone $*: $output"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"$want"* ]]
  [ -z "$(ls -A "$ZROOT" 2>/dev/null | grep -v '^net:')" ]
}

@test "one clear line for every error: flags, ids, hooks, root, namespaces, sysctls, devices, caps, resources" {
  set_args true
  one_line_error "create: bad flag \`--bogus\`" create --bogus x
  one_line_error "bad flag \`--nope\`" --nope list
  one_line_error 'invalid container id `a\x0ab`' create "$(printf 'a\nb')"
  one_line_error "must be 1 to 240 characters" create "$(head -c 256 /dev/zero | tr '\0' a)"
  cfg '.hooks.prestart = [{"path": "/nonexistent/hook"}]'
  one_line_error "hooks.prestart[0]: exec \`/nonexistent/hook\`: No such file or directory" run h1
  cfg 'del(.hooks)'
  ln -s / "$BATS_TEST_TMPDIR/hostroot"
  cfg --arg r "$BATS_TEST_TMPDIR/hostroot" '.root.path = $r'
  one_line_error "root.path: it is the host's root directory" run r1
  cfg --arg r "$ZONE_TEST_ROOTFS" '.root.path = $r'
  cfg '.linux.namespaces |= map(if .type == "uts" then .path = "/proc/self/ns/net" else . end)'
  one_line_error "linux.namespaces[3].path: \`/proc/self/ns/net\` is not a uts namespace" run n1
  cfg '.linux.namespaces |= map(if .type == "uts" then del(.path) else . end)'
  cfg '.linux.sysctl = {"kernel.sysrq": "1"}'
  one_line_error "linux.sysctl.kernel.sysrq: not allowed for a zone" run s1
  cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
  one_line_error "linux.sysctl.net.ipv4.ip_forward: needs a network namespace of the zone's own" run s2
  cfg 'del(.linux.sysctl) | .linux.namespaces += [{"type": "network"}]'
  cfg '.linux.devices = [{"path": "/dev/../etc/evil", "type": "c", "major": 1, "minor": 3}]'
  one_line_error "linux.devices[0].path: must be a path below /dev, without \`..\`" run d1
  cfg 'del(.linux.devices) | .linux.resources.cpu = {"cpus": "4095"}'
  one_line_error "linux.resources.cpu.cpus: the kernel refused \`4095\` for cpuset.cpus" run c1
  cfg 'del(.linux.resources.cpu)'
  set_idle
  zone run -d e1 > /dev/null
  run zone exec --cap CAP_BOGUS e1 true
  [ "$status" -ne 0 ]
  [ "$output" = "zone: --cap: unknown capability \`CAP_BOGUS\`" ]
}

@test "zone COMMAND --help prints the command's usage and exits 0 (podman probes checkpoint --help)" {
  for c in create run start state kill stop delete list spec features exec ps pause resume update events governor \
           checkpoint restore; do
    run zone $c --help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: zone [global options] $c"* ]]
  done
  run zone nosuchcommand --help
  [ "$status" -ne 0 ]
}

@test "the zone's init leads a session of its own, terminal or not (runc; CRIU needs it)" {
  set_args sh -c 'cut -d" " -f6 /proc/1/stat'
  run zone run sid1
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
}
