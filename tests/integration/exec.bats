#!/usr/bin/env bats
# zone exec and zone ps, and that a zone cannot reach the runtime's binary (CVE-2019-5736).

load helpers
bats_require_minimum_version 1.5.0

start_idle() {
  set_idle
  zone run -d "$1" > /dev/null
  PID=$(zone state "$1" | jq .pid)
}

@test "exec joins every namespace of the zone and returns the exit status" {
  cfg '.hostname = "exec-host"'
  start_idle e1
  run zone exec e1 sh -c 'hostname; echo $$; readlink /proc/self/ns/net; readlink /proc/self/ns/mnt; exit 7'
  [ "$status" -eq 7 ]
  [ "${lines[0]}" = exec-host ]
  # pid 1 is the zone's init: the exec'd shell is another pid of the zone's namespace
  [ "${lines[1]}" -gt 1 ]
  [ "${lines[2]}" = "$(readlink /proc/$PID/ns/net)" ]
  [ "${lines[3]}" = "$(readlink /proc/$PID/ns/mnt)" ]
  # and in the zone's cgroup
  run zone exec e1 cat /proc/self/cgroup
  [[ "$output" == *"/zone/e1@"* ]] || [[ "$output" == *":/"* ]]
  run zone exec e1 sh -c 'kill -9 $$'
  [ "$status" -eq 137 ]
}

@test "exec runs inside the zone's cgroup, seen from the host" {
  start_idle e2
  # fd 9 of the runtime must not reach the exec'd process
  sh -c "exec 9</etc/passwd; '$ZONE_BIN' --root '$ZROOT' exec -d --pid-file '$BATS_TEST_TMPDIR/pid' e2 sleep 30"
  epid=$(cat "$BATS_TEST_TMPDIR/pid")
  [ "$(ls /proc/$epid/fd | sort -n | tr '\n' ' ')" = "0 1 2 " ]
  [ "$(grep -c "/zone/e2@" /proc/$epid/cgroup)" -ge 1 ]
  # ps lists the init and the exec'd process, by host pid
  run zone ps --format json e2
  [ "$status" -eq 0 ]
  # (the idle loop's own short sleeps may be listed too)
  [ "$(echo "$output" | jq --argjson a $PID --argjson b $epid 'index($a) != null and index($b) != null')" = true ]
  [ "$(echo "$output" | jq --argjson s $$ 'index($s)')" = null ]
  run zone ps e2
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *PID* ]]
  [[ "$output" == *"sleep 30"* ]]
  [[ "$output" != *bats* ]]
  # ps arguments, in runc's form with `--` and without it
  for sep in -- ""; do
    run zone ps e2 $sep -o pid,comm
    [ "$status" -eq 0 ]
    [ "$(echo ${lines[0]})" = "PID COMMAND" ]
    [[ "$output" == *" sleep"* ]]
  done
}

@test "exec: env, cwd, user, additional gids" {
  cfg '.process.env += ["KEEP=zone"]'
  start_idle e3
  run zone exec -e FOO=bar -e KEEP=over --cwd /tmp -u 1000:1001 --additional-gids 5 -g 6 e3 \
      sh -c 'echo "$FOO $KEEP"; pwd; id -u; id -g; id -G'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "bar over" ]
  [ "${lines[1]}" = /tmp ]
  [ "${lines[2]}" = 1000 ]
  [ "${lines[3]}" = 1001 ]
  # the primary group, then the additional ones
  [ "${lines[4]}" = "1001 5 6" ]
}

@test "exec applies the zone's capabilities, seccomp and rlimits, and --cap / --no-new-privs" {
  cfg '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}
       | .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 777, hard: 777}]
       | .process.noNewPrivileges = false
       | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
  start_idle e4
  run zone exec e4 sh -c 'grep CapEff /proc/self/status; ulimit -n; grep NoNewPrivs /proc/self/status; mkdir /dev/shm/x'
  [[ "${lines[0]}" == *0000000000000020 ]]
  [ "${lines[1]}" = 777 ]
  [[ "${lines[2]}" == *0 ]]
  [[ "$output" == *"Operation not permitted"* ]]
  run zone exec --cap CAP_CHOWN --no-new-privs e4 grep -E 'CapEff|NoNewPrivs' /proc/self/status
  [[ "${lines[0]}" == *0000000000000021 ]]
  [[ "${lines[1]}" == *1 ]]
}

@test "exec --process takes an OCI process object" {
  start_idle e5
  cat > "$BATS_TEST_TMPDIR/process.json" <<'EOF'
{"user": {"uid": 2000, "gid": 2000}, "args": ["sh", "-c", "id -u; pwd; echo $P"], "cwd": "/dev", "env": ["P=from-file"]}
EOF
  run zone exec --process "$BATS_TEST_TMPDIR/process.json" e5
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 2000 ]
  [ "${lines[1]}" = /dev ]
  [ "${lines[2]}" = from-file ]
  echo '{"user": {"uid": 0, "gid": 0}, "args": [], "cwd": "/"}' > "$BATS_TEST_TMPDIR/bad.json"
  run zone exec --process "$BATS_TEST_TMPDIR/bad.json" e5
  [ "$status" -ne 0 ]
  [[ "$output" == *"process.args: must be a non-empty array"* ]]
  # as runc: no user (or no gid) is 0
  echo '{"args": ["sh", "-c", "id -u; id -g"], "cwd": "/"}' > "$BATS_TEST_TMPDIR/nouser.json"
  run zone exec --process "$BATS_TEST_TMPDIR/nouser.json" e5
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ] && [ "${lines[1]}" = 0 ]
  echo '{"user": {"uid": 3000}, "args": ["sh", "-c", "id -u; id -g"], "cwd": "/"}' > "$BATS_TEST_TMPDIR/nogid.json"
  run zone exec --process "$BATS_TEST_TMPDIR/nogid.json" e5
  [ "${lines[0]}" = 3000 ] && [ "${lines[1]}" = 0 ]
}

@test "exec -t gets a tty, relayed or sent to --console-socket" {
  start_idle e6
  run sh -c "echo typed | '$ZONE_BIN' --root '$ZROOT' exec -t e6 sh -c 'tty; read l; echo got:\$l'"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/"* ]]
  [[ "$output" == *"got:typed"* ]]

  sock=$BATS_TEST_TMPDIR/c.sock
  "$ZONE_TEST_HELPERS/console-recv" "$sock" > "$BATS_TEST_TMPDIR/tty.out" &
  recv=$!
  wait_for "[ -S $sock ]"
  zone exec -t -d --console-socket "$sock" e6 sh -c 'tty; echo via-socket'
  wait "$recv"
  [[ "$(cat "$BATS_TEST_TMPDIR/tty.out")" == *"via-socket"* ]]
  [[ "$(head -1 "$BATS_TEST_TMPDIR/tty.out")" == "name: /dev/pts/"* ]]
}

@test "exec into an unknown or stopped zone fails with one clear line" {
  run zone exec nope true
  [ "$status" -ne 0 ]
  [[ "$output" == *"\`nope\`: container does not exist"* ]]
  set_args true
  zone run --keep done1
  run zone exec done1 true
  [ "$status" -ne 0 ]
  [[ "$output" == *"stopped"* ]]
  run zone exec done1
  [ "$status" -eq 1 ]
  [[ "$output" == *"give a command"* ]]
}

@test "exec and run that cannot execute the program say it in runc's words; exec exits 255 (runc)" {
  set_idle
  zone run -d ex > /dev/null 2>&1
  run zone exec ex no-such-program
  [ "$status" -eq 255 ]
  [ "$output" = 'zone: exec failed: exec: "no-such-program": executable file not found in $PATH' ]
  run zone exec ex /etc/passwd
  [ "$status" -eq 255 ]
  [ "$output" = 'zone: exec failed: exec: "/etc/passwd": permission denied' ]
  run zone exec ex /nodir/prog
  [ "$status" -eq 255 ]
  [ "$output" = 'zone: exec failed: exec: "/nodir/prog": no such file or directory' ]
  run zone exec ex /etc
  [ "$output" = 'zone: exec failed: exec: "/etc": is a directory' ]
  run zone exec nope true
  [ "$status" -eq 255 ]
  # the process's own status is passed through untouched
  run zone exec ex sh -c 'exit 3'
  [ "$status" -eq 3 ]
  set_args /etc/passwd
  run zone run ex2
  [ "$status" -eq 1 ]
  [ "$output" = 'zone: exec: "/etc/passwd": permission denied' ]
}

@test "a zone cannot write the runtime's binary through /proc/PID/exe (CVE-2019-5736)" {
  own_rootfs
  cfg '.root.readonly = false'
  set_idle
  before=$(sha256sum "$ZONE_BIN" | cut -d' ' -f1)
  zone create cve
  # While the init waits for start, it is a runtime process inside the zone: a process of the
  # zone takes hold of its exe, waits until the runtime has gone, then writes through it.
  zone exec -d cve sh -c 'exec 3</proc/1/exe; readlink /proc/1/exe > /tmp/exe-link;
                          while [ ! -e /tmp/go ]; do sleep 0.05; done;
                          if echo evil >> /proc/self/fd/3; then echo WROTE; else echo REFUSED; fi > /tmp/result 2>&1'
  wait_for "[ -s $ROOTFS/tmp/exe-link ]"
  zone start cve
  touch "$ROOTFS/tmp/go"
  wait_for "[ -s $ROOTFS/tmp/result ]"
  cat "$ROOTFS/tmp/exe-link" "$ROOTFS/tmp/result"
  [[ "$(cat "$ROOTFS/tmp/exe-link")" == *memfd* ]]
  [ "$(tail -1 "$ROOTFS/tmp/result")" = REFUSED ]
  [ "$(sha256sum "$ZONE_BIN" | cut -d' ' -f1)" = "$before" ]
}

@test "a zone's process that execs /proc/self/exe reaches zone's sealed last stage, never the runtime's binary" {
  own_rootfs
  before=$(sha256sum "$ZONE_BIN" | cut -d' ' -f1)
  # The attack's first step: a program whose interpreter is the exe of whoever execs it.
  printf '#!/proc/self/exe\n' > "$ROOTFS/evil"
  chmod 755 "$ROOTFS/evil"
  set_args /evil
  run -127 zone run ev
  echo "$output"
  [[ "$output" == *"zone-stage2: run by zone only"* ]]
  # A created zone's init is the last stage already, from a sealed memfd.
  set_idle
  zone create ev2
  pid=$(zone state ev2 | jq .pid)
  [ "$(readlink /proc/$pid/exe)" = "/memfd:zone-stage2 (deleted)" ]
  run sh -c "echo x >> /proc/$pid/exe"
  [ "$status" -ne 0 ]
  zone delete -f ev2
  [ "$(sha256sum "$ZONE_BIN" | cut -d' ' -f1)" = "$before" ]
}

@test "an init that others could see while it is set up runs from a sealed copy of zone" {
  set_idle
  # No pid namespace of its own: every process of the host's sees the init during its setup.
  cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
  zone create nopid
  pid=$(zone state nopid | jq .pid)
  [ "$(readlink /proc/$pid/exe)" = "/memfd:zone (deleted)" ]
  zone start nopid
  wait_for "zone exec nopid true"
  zone delete -f nopid
  # A startContainer hook runs in the init after the wait for start: the same.
  cfg '.linux.namespaces += [{type: "pid"}] | .hooks = {startContainer: [{path: "/bin/true"}]}'
  zone create hooked
  pid=$(zone state hooked | jq .pid)
  [ "$(readlink /proc/$pid/exe)" = "/memfd:zone (deleted)" ]
  zone start hooked
  zone delete -f hooked
}

@test "a seccomp filter loaded before the last stage (no noNewPrivileges) may deny execveat" {
  set_args sh -c 'echo ran'
  cfg '.process.noNewPrivileges = false
       | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                           syscalls: [{names: ["execveat"], action: "SCMP_ACT_ERRNO"}]}'
  run zone run sc1
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = ran ]
  # with noNewPrivileges the last stage loads it, just before the exec
  cfg '.process.noNewPrivileges = true'
  set_args sh -c 'grep Seccomp: /proc/self/status'
  run zone run sc2
  [ "$status" -eq 0 ]
  [[ "$output" == *"Seccomp:"*2* ]]
}

@test "exec applies the process's oomScoreAdj, umask, user, groups and capabilities (set up outside the zone's pid namespace)" {
  cfg '.process.oomScoreAdj = 321 | .process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 18}
       | .process.noNewPrivileges = true
       | .process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"],
                                  permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]}'
  start_idle oo
  run zone exec oo sh -c 'cat /proc/self/oom_score_adj; umask; id -u; id -g; id -G; grep -E "^Cap(Bnd|Eff|Prm|Amb)|NoNewPrivs" /proc/self/status'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 321 ]
  [ "${lines[1]}" = 0022 ]
  [ "${lines[2]}" = 1000 ]
  [ "${lines[3]}" = 1000 ]
  [ "${lines[4]}" = "1000 10 20" ]
  # CAP_CHOWN (0) and CAP_KILL (5) bound; CAP_KILL effective, permitted and ambient
  [[ "$output" == *"CapPrm:	0000000000000020"* ]]
  [[ "$output" == *"CapEff:	0000000000000020"* ]]
  [[ "$output" == *"CapBnd:	0000000000000021"* ]]
  [[ "$output" == *"CapAmb:	0000000000000020"* ]]
  [[ "$output" == *"NoNewPrivs:	1"* ]]
}

@test "exec keeps every additional gid of the process, more than 64 too" {
  cfg '.process.user = {uid: 1000, gid: 1000, additionalGids: [range(2000; 2070)]}'
  start_idle mg
  run zone exec mg id -G
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | wc -w)" -eq 71 ]
  [[ " $output " == *" 2069 "* ]]
}

@test "exec looks the program up in \$PATH as the process's user" {
  own_rootfs
  mkdir -p "$ROOTFS/opt/a" "$ROOTFS/opt/b"
  printf '#!/bin/sh\necho root-only\n' > "$ROOTFS/opt/a/hello"
  printf '#!/bin/sh\necho for-all\n' > "$ROOTFS/opt/b/hello"
  chmod 700 "$ROOTFS/opt/a/hello"
  chmod 755 "$ROOTFS/opt/b/hello"
  start_idle pl
  [ "$(zone exec --env PATH=/opt/a:/opt/b:/bin pl hello)" = root-only ]
  # uid 1000 may not run /opt/a/hello: the next one in $PATH, as execvp would
  [ "$(zone exec --user 1000:1000 --env PATH=/opt/a:/opt/b:/bin pl hello)" = for-all ]
}

@test "exec into a paused zone is refused, as with runc; --ignore-paused starts it frozen" {
  start_idle ep
  zone pause ep
  run zone exec ep true
  [ "$status" -ne 0 ]
  [[ "$output" == *"it is paused (--ignore-paused execs anyway)"* ]]
  # (-d hands our stdio to the process: not `run`'s pipe, which would wait for it)
  timeout 20 "$ZONE_BIN" --root "$ZROOT" exec -d --ignore-paused --pid-file "$BATS_TEST_TMPDIR/pid" ep \
    sh -c 'echo ran > /dev/shm/ran; sleep 30' > /dev/null 2>&1
  epid=$(cat "$BATS_TEST_TMPDIR/pid")
  # in the zone's cgroup, and held there until resume
  grep -q "/zone/ep@" /proc/$epid/cgroup
  zone resume ep
  [ "$(zone_status ep)" = running ]
  wait_for "zone exec ep test -e /dev/shm/ran"
}
