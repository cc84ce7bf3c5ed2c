#!/usr/bin/env bats
# OCI hooks: each kind runs at its step, in the right namespaces, with the state on stdin.

load helpers

# A hook script on the host that appends "KIND STATUS PID UTS-NS" to $LOG and keeps its stdin.
make_hook() {
  HOOK=$BATS_TEST_TMPDIR/hook.sh
  LOG=$BATS_TEST_TMPDIR/hooks.log
  cat > "$HOOK" <<EOF
#!/bin/sh
state=\$(cat)
echo "\$state" > $BATS_TEST_TMPDIR/state.\$1
echo "\$1 \$(echo "\$state" | sed -n 's/.*"status": *"\\([a-z]*\\)".*/\\1/p') \$(readlink /proc/self/ns/uts) \$HOOK_ENV" >> $LOG
EOF
  chmod +x "$HOOK"
}

hook() { # kind -> a hook object for jq
  echo "{\"path\": \"$HOOK\", \"args\": [\"hook.sh\", \"$1\"], \"env\": [\"HOOK_ENV=env-$1\"]}"
}

@test "every hook runs at its step with the state on stdin, in the namespaces the spec says" {
  make_hook
  own_rootfs
  # startContainer runs inside the zone: its path resolves in the zone's rootfs
  cat > "$ROOTFS/bin/start-hook" <<'EOF'
#!/bin/sh
cat > /tmp/start-state
echo "startContainer $(readlink /proc/self/ns/uts) $HOOK_ENV" > /tmp/start-ran
EOF
  chmod +x "$ROOTFS/bin/start-hook"
  cfg --argjson p "$(hook prestart)" --argjson cr "$(hook createRuntime)" --argjson cc "$(hook createContainer)" \
      --argjson ps "$(hook poststart)" --argjson pt "$(hook poststop)" \
      '.root.readonly = false | .hooks = {prestart: [$p], createRuntime: [$cr], createContainer: [$cc],
        startContainer: [{path: "/bin/start-hook", env: ["HOOK_ENV=in-zone"]}], poststart: [$ps], poststop: [$pt]}'
  set_idle
  host_uts=$(readlink /proc/self/ns/uts)

  zone create h1
  pid=$(zone state h1 | jq .pid)
  zone_uts=$(readlink /proc/$pid/ns/uts)
  [ "$host_uts" != "$zone_uts" ]
  # create ran prestart, createRuntime (runtime namespace) and createContainer (zone namespace)
  [ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "prestart createRuntime createContainer " ]
  grep -qxF "prestart creating $host_uts env-prestart" "$LOG"
  grep -qxF "createRuntime creating $host_uts env-createRuntime" "$LOG"
  grep -qxF "createContainer creating $zone_uts env-createContainer" "$LOG"
  [ "$(jq -r .id "$BATS_TEST_TMPDIR/state.prestart")" = h1 ]
  [ "$(jq .pid "$BATS_TEST_TMPDIR/state.prestart")" = "$pid" ]
  [ "$(jq -r .bundle "$BATS_TEST_TMPDIR/state.prestart")" = "$BUNDLE" ]
  [ ! -e "$ROOTFS/tmp/start-ran" ]

  zone start h1
  [ "$(cat "$ROOTFS/tmp/start-ran")" = "startContainer $zone_uts in-zone" ]
  [ "$(jq -r .status "$ROOTFS/tmp/start-state")" = created ]
  grep -qxF "poststart running $host_uts env-poststart" "$LOG"
  [ "$(grep -c poststop "$LOG")" = 0 ]

  zone kill h1 KILL
  wait_for "[ \$(zone_status h1) = stopped ]"
  zone delete h1
  grep -qxF "poststop stopped $host_uts env-poststop" "$LOG"
  [ "$(tail -1 "$LOG" | cut -d' ' -f1)" = poststop ]
}

@test "a failing prestart or createRuntime hook fails create, names the hook, and leaves nothing" {
  make_hook
  for kind in prestart createRuntime createContainer; do
    cfg --arg k $kind --argjson h "$(hook $kind)" '.hooks = {($k): [$h, {path: "/bin/false"}]}'
    run zone create bad
    echo "$kind: $output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"hooks.$kind[1]"*"/bin/false"*"status 1"* ]]
    [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
  done
}

@test "a hook that outlives its timeout is killed and fails the step" {
  cfg '.hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
  start=$(date +%s)
  run zone create slow
  [ "$status" -ne 0 ]
  [[ "$output" == *"hooks.prestart[0]"*"timed out after 1 s"* ]]
  [ $(($(date +%s) - start)) -lt 10 ]
  [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
}

@test "a failing startContainer hook fails start and the zone ends stopped" {
  cfg '.hooks = {startContainer: [{path: "/bin/false"}]}'
  set_idle
  zone create sc
  run zone start sc
  [ "$status" -ne 0 ]
  [[ "$output" == *"hooks.startContainer[0]"* ]]
  [ "$(zone_status sc)" = stopped ]
  zone delete sc
  # what the hook said on stderr is the reason given, in the one line (as runc reports it)
  cfg '.hooks = {startContainer: [{path: "/bin/sh", args: ["sh", "-c", "echo first >&2; echo the-reason >&2; exit 3"]}]}'
  zone create sc2
  run zone start sc2
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"hooks.startContainer[0]: \`/bin/sh\` exited with status 3: the-reason"* ]]
  cfg '.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "echo no-good >&2; exit 1"]}]}'
  run zone create sc3
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"exited with status 1: no-good"* ]]
}

@test "failing poststart and poststop hooks only warn" {
  cfg '.hooks = {poststart: [{path: "/bin/false"}], poststop: [{path: "/bin/false"}]}'
  set_args true
  run zone run warn
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning: hooks.poststart[0]"* ]]
  [[ "$output" == *"warning: hooks.poststop[0]"* ]]
}

@test "a startContainer hook without env sees the process's env (runc); other hooks get an empty one" {
  out=$BATS_TEST_TMPDIR/out
  mkdir "$out"
  cfg --arg o "$out" '.mounts += [{destination: "/out", type: "bind", source: $o, options: ["rbind"]}]'
  cfg '.process.env = ["PATH=/bin", "ONE=two"]'
  cfg '.hooks = {startContainer: [{path: "/bin/sh", args: ["sh", "-c", "echo start $ONE $HOME > /out/start"]},
                                  {path: "/bin/sh", args: ["sh", "-c", "echo own $ONE $MINE > /out/own"], env: ["MINE=mine"]}],
                 prestart: [{path: "/bin/sh", args: ["sh", "-c", "echo pre ${ONE:-none} > '"$out"'/pre"]}]}'
  set_args true
  zone run senv
  [ "$(cat "$out/start")" = "start two /root" ]
  [ "$(cat "$out/own")" = "own mine" ]
  [ "$(cat "$out/pre")" = "pre none" ]
}
