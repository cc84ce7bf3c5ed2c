#!/usr/bin/env bats
# Checkpoint and restore with CRIU: a zone's processes go on where they stopped. Runs wherever
# scripts/install-criu finds (or builds) a criu that passes `criu check`; skipped, with CRIU's own
# reason, elsewhere.

load helpers

setup_file() {
  local top
  top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  CRIU=$("$top/scripts/install-criu" 2> "$BATS_FILE_TMPDIR/criu.err") || CRIU=
  export CRIU
}

setup() {
  [ -n "$CRIU" ] || skip "no criu works here, and none could be built: $(tail -2 "$BATS_FILE_TMPDIR/criu.err" | tr '\n' ' ')"
  zone_setup
  own_rootfs
  cfg '.root.readonly = false'
  # a counter the test reads from the host
  set_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/count; sleep 0.05; done'
  IMG=$BATS_TEST_TMPDIR/images
}

zc() {
  "$ZONE_BIN" --root "$ZROOT" --criu "$CRIU" "$@"
}

count() {
  cat "$ROOTFS/tmp/count"
}

@test "checkpoint stops the zone where it is; restore goes on from there, a zone like any other" {
  zone run -d c1 < /dev/null > /dev/null 2>&1
  wait_for '[ "$(count 2>/dev/null || echo 0)" -ge 3 ]'
  zc checkpoint --image-path "$IMG" c1
  # as with runc, the zone is gone; its counter stands still
  [ -z "$(zone list -q)" ]
  at=$(count)
  sleep 0.3
  [ "$(count)" = "$at" ]
  [ -s "$IMG/dump.log" ] && [ -f "$IMG/descriptors.json" ]
  (cd "$BUNDLE" && zc restore -d --image-path "$IMG" c1 < /dev/null > /dev/null 2>&1)
  [ "$(zone_status c1)" = running ]
  # it goes on from where it stood, not from 1
  wait_for '[ "$(count)" -gt "$at" ]'
  [ "$(count)" -lt $((at + 40)) ]
  # and is a zone like any other: exec, its cgroup, kill, delete
  [ "$(zone exec c1 cat /tmp/count)" -gt "$at" ]
  pid=$(zone state c1 | jq .pid)
  grep -q "$(basename "$(cg_dir c1 pids)")" "/proc/$pid/cgroup"
  zone kill c1 KILL
  wait_for '[ "$(zone_status c1)" = stopped ]'
  zone delete c1
}

@test "checkpoint --leave-running: the zone runs on, and the images are there" {
  zone run -d c2 < /dev/null > /dev/null 2>&1
  wait_for '[ -s "$ROOTFS/tmp/count" ]'
  zc checkpoint --leave-running --image-path "$IMG" --work-path "$BATS_TEST_TMPDIR/work" c2
  [ "$(zone_status c2)" = running ]
  at=$(count)
  wait_for '[ "$(count)" -gt "$at" ]'
  ls "$IMG" | grep -q '^pstree.img$'
  [ -s "$BATS_TEST_TMPDIR/work/dump.log" ]
}

@test "a failed checkpoint leaves the zone running and quotes CRIU's log, which is kept" {
  zone run -d c3 < /dev/null > /dev/null 2>&1
  wait_for '[ -s "$ROOTFS/tmp/count" ]'
  # a page server nobody listens on
  run zc checkpoint --image-path "$IMG" --page-server 127.0.0.1:1 c3
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"checkpoint: criu failed: Error ("*"(log: $IMG/dump.log)"* ]]
  [ -s "$IMG/dump.log" ]
  [ "$(zone_status c3)" = running ]
  at=$(count)
  wait_for '[ "$(count)" -gt "$at" ]'
}

@test "a failed restore leaves nothing behind; what cannot be checkpointed or restored says so" {
  mkdir -p "$IMG"
  run zc restore -d -b "$BUNDLE" --image-path "$IMG" r1
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"restore: criu failed: "* ]]
  [ -z "$(ls -A "$ZROOT")" ]
  [ -z "$(ls -d /sys/fs/cgroup/*/zone/r1@* /sys/fs/cgroup/zone/r1@* 2>/dev/null)" ]
  run zc checkpoint --image-path "$IMG" nosuch
  [[ "$output" == *"\`nosuch\`: container does not exist"* ]]
  zone create c4 > /dev/null
  run zc checkpoint --image-path "$IMG" c4
  [[ "$output" == *"cannot checkpoint \`c4\`: container not running (created)"* ]]
  cfg '.process.terminal = true'
  run zc restore -d -b "$BUNDLE" --image-path "$IMG" r2
  [[ "$output" == *"restore: a zone with process.terminal cannot be restored yet"* ]]
  [ ! -e "$ZROOT/r2" ]
}
