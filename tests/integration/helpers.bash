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

# Wait until `cond` (a shell string) holds, up to 5 s (or $2 s).
wait_for() {
  local i
  for i in $(seq $(( ${2:-5} * 20 ))); do
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

# The tag zone gives the default cgroup of a zone under a root other than its default: FNV-1a
# of the root's real path, as runtime/create.c computes it.
root_tag() {
  local h=2166136261 c
  for c in $(printf '%s' "$(realpath "$1")" | od -An -tu1); do
    h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
  done
  printf '%08x' "$h"
}

# Delete every zone of the test, then fail if anything of them is left.  Only this test's zones
# are looked for (their ids, cgroups, veths and rules), so that other zones on the host, or
# another checkout's suite running at the same time, do not count.
zone_teardown() {
  local id left="" veths="" ids="" tag cgs v
  if [ -d "$ZROOT" ]; then
    ids=$(ls "$ZROOT" | grep -v :)
    for id in $ids; do
      v=$(jq -r '.netVeth // empty' "$ZROOT/$id/state.json" 2>/dev/null || true)
      veths="$veths $v"
      zone delete --force "$id" || true
    done
    [ -z "$(ls -A "$ZROOT")" ] || left="$left state:$(ls "$ZROOT")"
    tag=$(root_tag "$ZROOT")
    cgs=$(ls -d /sys/fs/cgroup/*/zone/*@"$tag" /sys/fs/cgroup/zone/*@"$tag" 2>/dev/null || true)
    [ -z "$cgs" ] || left="$left cgroups:$(echo $cgs)"
  fi
  # Nothing of a zone may stay: mounts under the test dir, veths, nftables rules.
  if grep -q "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
    left="$left mounts:$(grep -c "$BATS_TEST_TMPDIR" /proc/self/mountinfo)"
    # Unmounted, deepest first, before bats removes the directory: a cgroup hierarchy a killed
    # criu left mounted there (its yard) must not be walked by rm -rf.
    grep -o " $BATS_TEST_TMPDIR[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2> /dev/null || true
  fi
  for v in $veths; do
    ip link show "$v" > /dev/null 2>&1 && left="$left veth:$v"
  done
  if command -v nft > /dev/null; then
    for id in $ids; do
      nft list ruleset 2>/dev/null | grep -q "comment \"zone:$id\"" && left="$left nftables-rules:$id"
    done
  fi
  if [ -n "$left" ]; then
    echo "left behind:$left" >&2
    return 1
  fi
}

# The directory of zone ID in the hierarchy of CONTROLLER (v1), or its v2 directory. Outside the
# default --root the default cgroup name is ID@HASH-OF-ROOT.
cg_dir() { # ID CONTROLLER
  local d
  if [ -d "/sys/fs/cgroup/$2" ]; then
    echo /sys/fs/cgroup/$2/zone/$1@*
  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    echo /sys/fs/cgroup/zone/$1@*
  else
    for d in /sys/fs/cgroup/*,*; do
      case ",$(basename "$d")," in *",$2,"*) echo $d/zone/$1@*; return ;; esac
    done
  fi
}

# Nanoseconds of cpu the zone has used.
cpu_ns() {
  local d
  d=$(cg_dir "$1" cpuacct)
  if [ -f "$d/cpuacct.usage" ]; then
    cat "$d/cpuacct.usage"
  else
    echo $(($(awk '/^usage_usec/ {print $2}' "$(cg_dir "$1" cpu)/cpu.stat") * 1000))
  fi
}

# For setup_file of the CRIU suites: CRIU=the criu scripts/install-criu finds or builds, or ""
# with its reason kept for need_criu.
find_criu() {
  local top
  top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  CRIU=$("$top/scripts/install-criu" 2> "$BATS_FILE_TMPDIR/criu.err") || CRIU=
  export CRIU
}

# For setup: skip, with CRIU's own reason, where no criu works.
need_criu() {
  [ -n "$CRIU" ] || skip "no criu works here, and none could be built: $(tail -2 "$BATS_FILE_TMPDIR/criu.err" | tr '\n' ' ')"
}
