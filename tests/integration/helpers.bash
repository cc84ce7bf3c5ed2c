# Shared by every .bats file: a fresh state root and bundle per test, and a teardown that
# removes every zone the test made and fails the test if anything was left behind.

ZONE_BIN=${ZONE_BIN:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/zone}

zone() {
  "$ZONE_BIN" --root "$ZROOT" "$@"
}

# Edit the bundle's config.json with a jq expression.
cfg() {
  jq "$@" "$BUNDLE/config.json" > "$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# process.args = the arguments given.
set_args() {
  local a='[]' x
  for x in "$@"; do
    a=$(jq -c --arg x "$x" '. + [$x]' <<< "$a")
  done
  cfg --argjson a "$a" '.process.args = $a'
}

# A process that keeps running until killed, and writes what it is sent to stdout.
set_idle() {
  set_args sh -c 'trap "echo got-USR1" USR1; trap "echo got-TERM; exit 0" TERM; echo ready; while true; do sleep 0.05; done'
}

# A private copy of the busybox rootfs, for tests that change it.
own_rootfs() {
  ROOTFS=$BATS_TEST_TMPDIR/rootfs
  cp -a "$ZONE_TEST_ROOTFS" "$ROOTFS"
  cfg --arg r "$ROOTFS" '.root.path = $r'
}

# Wait until `cond` (a shell string) holds, up to 5 s.
wait_for() {
  local i
  for i in $(seq 100); do
    eval "$1" && return 0
    sleep 0.05
  done
  echo "timed out waiting for: $1" >&2
  return 1
}

zone_status() {
  zone state "$1" | jq -r .status
}

setup() {
  zone_setup
}

zone_setup() {
  [ "$(id -u)" -eq 0 ] || skip "integration tests run as root"
  [ -n "${ZONE_TEST_ROOTFS:-}" ] || { echo "ZONE_TEST_ROOTFS is not set: run tests/integration/run" >&2; return 1; }
  ZROOT=$BATS_TEST_TMPDIR/state
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  mkdir -p "$BUNDLE"
  (cd "$BUNDLE" && "$ZONE_BIN" spec)
  # runc's default spec asks for a terminal; most tests run without one, as runc's own tests do
  cfg --arg r "$ZONE_TEST_ROOTFS" '.root.path = $r | .process.terminal = false'
  # The bundle defaults to the current directory, as with runc.
  cd "$BUNDLE"
}

teardown() {
  zone_teardown
}

# Delete every zone of the test, then fail if anything of them is left.
zone_teardown() {
  local id left=""
  if [ -d "$ZROOT" ]; then
    for id in $(ls "$ZROOT" | grep -v :); do
      zone delete --force "$id" || true
    done
    [ -z "$(ls -A "$ZROOT")" ] || left="$left state:$(ls "$ZROOT")"
  fi
  # Nothing of a zone may stay: mounts under the test dir, cgroups named after its zones.
  if grep -q "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
    left="$left mounts:$(grep -c "$BATS_TEST_TMPDIR" /proc/self/mountinfo)"
  fi
  local cgs
  cgs=$(find /sys/fs/cgroup/*/zone /sys/fs/cgroup/zone -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
  if [ -n "$cgs" ]; then
    left="$left cgroups:$(echo $cgs)"
  fi
  # networking: a killed zone's network namespace (and so its veth) goes a moment later
  for _ in $(seq 50); do
    ip -br link 2>/dev/null | grep -q '^zv' || break
    sleep 0.1
  done
  if ip -br link 2>/dev/null | grep -q '^zv'; then
    left="$left veths:$(ip -br link | awk '/^zv/ {print $1}' | tr '\n' ' ')"
  fi
  if command -v nft > /dev/null && nft list ruleset 2>/dev/null | grep -q 'comment "zone:'; then
    left="$left nftables-rules"
  fi
  if [ -n "$left" ]; then
    echo "left behind:$left" >&2
    return 1
  fi
}
