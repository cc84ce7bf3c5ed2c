#!/usr/bin/env bats
# Templates and persistent zones (docs/templates.md): a zone made from a template writes only
# into its own upper directory, outlives its processes, and goes for good with delete.

load helpers

setup() {
  zone_setup
  SD=$BATS_TEST_TMPDIR/lib
}

teardown() {
  local id
  # KSM as the memory-merge test found it
  if [ -f "$BATS_TEST_TMPDIR/ksm" ]; then
    read -r run scan < "$BATS_TEST_TMPDIR/ksm"
    echo "$scan" > /sys/kernel/mm/ksm/pages_to_scan
    echo "$run" > /sys/kernel/mm/ksm/run
  fi
  for id in $(ls "$SD/zones" 2> /dev/null); do zs delete --force "$id" || true; done
  zone_teardown
  # no definition, overlay or upper directory of the test's zones may stay
  if [ -d "$SD/zones" ] && [ -n "$(ls -A "$SD/zones")" ]; then
    echo "left behind: definitions $(ls "$SD/zones")" >&2
    return 1
  fi
}

# This run's own bridge and subnet (as network.bats and checkpoint.bats).
N=${ZONE_TEST_NET:-0}
BR=ztt$N
NET=10.97.$N

zs() {
  "$ZONE_BIN" --root "$ZROOT" --state-dir "$SD" "$@"
}

# What the zone's server at $1 port 80 answers.
answer() {
  local line=""
  exec 3<> "/dev/tcp/$1/80" || return 1
  read -r -t 3 line <&3 || true
  exec 3<&-
  echo "$line"
}

@test "template add from a directory and from a compressed tarball; list; rm" {
  zs template add base "$ZONE_TEST_ROOTFS"
  tar -C "$ZONE_TEST_ROOTFS" -czf "$BATS_TEST_TMPDIR/base.tar.gz" .
  zs template add fromtar "$BATS_TEST_TMPDIR/base.tar.gz"
  [ "$(zs template list | tr '\n' ' ')" = "base fromtar " ]
  # the same tree either way, symlinks kept
  [ "$(readlink "$SD/templates/fromtar/bin/sh")" = busybox ]
  [ "$(ls "$SD/templates/base/bin" | wc -l)" = "$(ls "$ZONE_TEST_ROOTFS/bin" | wc -l)" ]
  # refusals, each in one line, leaving nothing
  run zs template add base "$ZONE_TEST_ROOTFS"
  [ "$status" -eq 1 ] && [[ "$output" == *"template \`base\` exists"* ]]
  run zs template add ../x "$ZONE_TEST_ROOTFS"
  [ "$status" -eq 1 ] && [[ "$output" == *"invalid template name"* ]]
  run zs template add broken "$BATS_TEST_TMPDIR/nosuch"
  [ "$status" -eq 1 ] && [[ "$output" == *"nosuch"* ]]
  echo "not an archive" > "$BATS_TEST_TMPDIR/junk"
  run zs template add junk "$BATS_TEST_TMPDIR/junk"
  [ "$status" -eq 1 ] && [ "${#lines[@]}" -eq 1 ] && [[ "$output" == *"template add: tar: "* ]]
  [ "$(zs template list | tr '\n' ' ')" = "base fromtar " ]
  [ -z "$(ls -A "$SD/templates" | grep '^\.')" ]
  zs template rm fromtar
  run zs template rm fromtar
  [ "$status" -eq 1 ] && [[ "$output" == *"no template \`fromtar\`"* ]]
  zs template rm base
  [ -z "$(zs template list)" ]
}

@test "20 zones from one template in parallel: each writes a file the others and the template do not see" {
  zs template add base "$ZONE_TEST_ROOTFS"
  for i in $(seq 20); do
    zs create "z$i" --template base -- sh -c "echo z$i > /mine; while :; do sleep 1; done" &
  done
  wait
  for i in $(seq 20); do zs start "z$i"; done
  for i in $(seq 20); do
    wait_for "[ -f $SD/zones/z$i/upper/mine ]"
    [ "$(zs exec "z$i" cat /mine)" = "z$i" ]
    [ "$(zs exec "z$i" ls / | grep -c '^mine$')" = 1 ]
  done
  # only in the zone's upper directory: the template is untouched
  [ ! -e "$SD/templates/base/mine" ]
  [ "$(cat "$SD/zones/z7/upper/mine")" = z7 ]
  [ "$(zs list -q | wc -l)" = 20 ]
  # a template in use cannot go
  run zs template rm base
  [ "$status" -eq 1 ] && [[ "$output" == *"uses template \`base\`"* ]]
  for i in $(seq 20); do zs delete --force "z$i" & done
  wait
  [ -z "$(zs list -q)" ]
  [ -z "$(ls -A "$SD/zones")" ]
  zs template rm base
}

@test "a defined zone stops and starts again with its files and its address; delete removes them" {
  zs template add base "$ZONE_TEST_ROOTFS"
  zs create web --template base --net bridge --bridge "$BR" --subnet "$NET.0/24" \
    -- sh -c 'date +%s%N >> /boots; exec nc -ll -p 80 -e echo up'
  [ "$(zs list -q)" = web ]
  [ "$(zone_status web)" = created ]
  zs start web
  addr=$(zs state web | jq -r '.annotations["org.zone.net.address"]')
  [[ "$addr" == "$NET".* ]]
  wait_for "[ \"\$(wc -l < $SD/zones/web/upper/boots 2>/dev/null)\" = 1 ]"
  wait_for "[ \"\$(answer $addr 2>/dev/null)\" = up ]"
  # halted as after a reboot: no process, runtime state, cgroup, veth, lease or mount; still listed
  zs stop web
  [ ! -e "$ZROOT/web" ]
  ! grep -q "$SD/zones/web/rootfs" /proc/self/mountinfo
  run zs list
  [[ "${lines[1]}" == "web "*"stopped"* ]]
  # booted again: a new init on the same files, with the same address
  zs start web
  [ "$(zone_status web)" = running ]
  wait_for "[ \"\$(wc -l < $SD/zones/web/upper/boots)\" = 2 ]"
  [ "$(zs state web | jq -r '.annotations["org.zone.net.address"]')" = "$addr" ]
  wait_for "[ \"\$(answer $addr 2>/dev/null)\" = up ]"
  # a process that ended by itself leaves the zone stopped; start boots it again too
  zs kill web KILL
  wait_for '[ "$(zone_status web)" = stopped ]'
  zs start web
  wait_for "[ \"\$(wc -l < $SD/zones/web/upper/boots)\" = 3 ]"
  # delete: for good, files and all, and no mount left
  zs delete --force web
  [ -z "$(zs list -q)" ]
  [ ! -e "$SD/zones/web" ]
  ! grep -q "$SD/zones/web" /proc/self/mountinfo
  ! ip link show "$BR" 2> /dev/null
}

@test "delete --keep-data keeps the zone's files; a bad option fails in one line naming it, leaving nothing" {
  zs template add base "$ZONE_TEST_ROOTFS"
  zs create keep --template base -- sh -c 'echo kept > /kept.txt; sleep 1000'
  zs start keep
  wait_for "[ -f $SD/zones/keep/upper/kept.txt ]"
  zs delete --force --keep-data keep
  [ "$(cat "$SD/zones/keep/upper/kept.txt")" = kept ]
  # no longer a zone of this root
  [ -z "$(zs list -q)" ]
  ! grep -q "$SD/zones/keep" /proc/self/mountinfo
  rm -rf "$SD/zones/keep"
  for bad in "--memory lots" "--cpu-weight 0" "--publish 80" "--volume rel:/x" "--user root" "--net host" "--subnet 10.0.0.0"; do
    run zs create bad --template base $bad -- true
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"${bad%% *}"* ]]
  done
  run zs create bad --template base
  [ "$status" -eq 1 ] && [[ "$output" == *"needs a command"* ]]
  run zs create bad --template nosuch -- true
  [ "$status" -eq 1 ] && [[ "$output" == *"no template \`nosuch\`"* ]]
  [ -z "$(ls -A "$SD/zones")" ]
  [ -z "$(ls -A "$ZROOT" 2> /dev/null)" ]
}

@test "options reach the zone: env, hostname, user, workdir, volume, read-only, memory and pids limits" {
  zs template add base "$ZONE_TEST_ROOTFS"
  mkdir -p "$BATS_TEST_TMPDIR/vol" && echo shared > "$BATS_TEST_TMPDIR/vol/f"
  zs create opts --template base -e GREETING=hello --hostname h1 --user 1000:1001 --workdir /tmp \
    -v "$BATS_TEST_TMPDIR/vol:/vol:ro" --read-only --memory 64m --pids-limit 30 -- sleep 1000
  zs start opts
  [ "$(zs exec opts sh -c 'echo $GREETING')" = hello ]
  [ "$(zs exec opts hostname)" = h1 ]
  [ "$(zs exec opts id -u):$(zs exec opts id -g)" = 1000:1001 ]
  [ "$(zs exec opts pwd)" = /tmp ]
  [ "$(zs exec opts cat /vol/f)" = shared ]
  run zs exec opts sh -c 'echo x > /vol/g'
  [ "$status" -ne 0 ]
  run zs exec -u 0 opts sh -c 'echo x > /rootfile'
  [ "$status" -ne 0 ]
  if [ -f "$(cg_dir opts memory)/memory.limit_in_bytes" ]; then
    [ "$(cat "$(cg_dir opts memory)/memory.limit_in_bytes")" = 67108864 ]
  else
    [ "$(cat "$(cg_dir opts memory)/memory.max")" = 67108864 ]
  fi
  [ "$(cat "$(cg_dir opts pids)/pids.max")" = 30 ]
  zs delete --force opts
}

@test "confined by default: engines' capabilities and a seccomp filter that denies the host's keyring and namespaces" {
  zs template add base "$ZONE_TEST_ROOTFS"
  zs create conf --template base -- sleep 1000
  zs start conf
  # Docker's default bounding set (no CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE...)
  [ "$(zs exec conf awk '/^CapBnd/ {print $2}' /proc/self/status)" = 00000000a80425fb ]
  [ "$(zs exec conf awk '/^Seccomp:/ {print $2}' /proc/self/status)" = 2 ]
  # unshare is denied by the filter (a user namespace needs no capability otherwise)
  run zs exec conf unshare -U true
  [ "$status" -ne 0 ] && [[ "$output" == *"Operation not permitted"* ]]
  # overridden per zone: no filter, or a profile of one's own
  zs create free --template base --seccomp unconfined -- sleep 1000
  zs start free
  [ "$(zs exec free awk '/^Seccomp:/ {print $2}' /proc/self/status)" = 0 ]
  zs exec free unshare -U true
  echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}' \
    > "$BATS_TEST_TMPDIR/profile.json"
  zs create own --template base --seccomp "$BATS_TEST_TMPDIR/profile.json" -- sleep 1000
  zs start own
  run zs exec own mkdir /tmp/d
  [ "$status" -ne 0 ]
  zs exec own unshare -U true
  run zs create bad --template base --seccomp "$BATS_TEST_TMPDIR/nosuch.json" -- true
  [ "$status" -eq 1 ] && [[ "$output" == *"--seccomp"*"nosuch.json"* ]]
  zs delete --force free
  zs delete --force own
  # a plain bundle from `zone spec` is not confined this way (runc's default)
  set_args unshare -U true
  run zone run plain
  [ "$status" -eq 0 ]
  zs delete --force conf
}

@test "--memory-merge: KSM may merge every page of the zone's processes, exec'd ones too; one line where the kernel cannot" {
  zs template add base "$ZONE_TEST_ROOTFS"
  fill='x=$(head -c 8000000 /dev/zero | tr "\0" a); echo full > /tmp/full; while :; do sleep 1; done'
  v=$(uname -r); major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}
  if [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -lt 4 ]; }; then
    run zs create m1 --template base --memory-merge -- sh -c "$fill"
    [ "$status" -eq 1 ] && [[ "$output" == *"org.zone.memory.merge: this kernel cannot merge"* ]]
    [ -z "$(ls -A "$SD/zones")" ]
    skip "Linux $v has no PR_SET_MEMORY_MERGE: the refusal is tested, merging needs 6.4"
  fi
  echo "$(cat /sys/kernel/mm/ksm/run) $(cat /sys/kernel/mm/ksm/pages_to_scan)" > "$BATS_TEST_TMPDIR/ksm"
  # KSM scans every mergeable process in turn (a qemu guest's memory, say): faster, for the test
  echo 20000 > /sys/kernel/mm/ksm/pages_to_scan
  zs create m1 --template base --memory-merge -- sh -c "$fill"
  zs create m0 --template base -- sleep 1000
  zs start m1
  zs start m0
  [ "$(cat /sys/kernel/mm/ksm/run)" = 1 ]
  pid=$(zs state m1 | jq .pid)
  grep -q '^ksm_merge_any: yes' /proc/$pid/ksm_stat
  zs exec m1 grep -q '^ksm_merge_any: yes' /proc/self/ksm_stat
  ! grep -q '^ksm_merge_any: yes' /proc/$(zs state m0 | jq .pid)/ksm_stat
  # the 8 MB of identical pages are merged by KSM
  wait_for "[ -f $SD/zones/m1/upper/tmp/full ]"
  for i in $(seq 100); do
    [ "$(awk '/^ksm_merging_pages/ {print $2}' /proc/$pid/ksm_stat)" -gt 500 ] && break
    sleep 0.2
  done
  [ "$(awk '/^ksm_merging_pages/ {print $2}' /proc/$pid/ksm_stat)" -gt 500 ]
  zs delete --force m1
  zs delete --force m0
  # a bad value of the annotation, in a plain bundle
  cfg '.annotations["org.zone.memory.merge"] = "yes"'
  run zone create bad
  [ "$status" -eq 1 ] && [[ "$output" == *"annotations.org.zone.memory.merge: must be true or false"* ]]
}

@test "export on one root and import on another runs the same zone; a copy under a new id; refusals" {
  zs template add base "$ZONE_TEST_ROOTFS"
  zs create ex --template base --net bridge --bridge "$BR" --subnet "$NET.0/24" -e WHO=exported \
    -- sh -c 'echo "$WHO" >> /log; while :; do sleep 1; done'
  zs start ex
  addr=$(zs state ex | jq -r '.annotations["org.zone.net.address"]')
  wait_for "[ -f $SD/zones/ex/upper/log ]"
  run zs export ex "$BATS_TEST_TMPDIR/ex.tar.gz"
  [ "$status" -eq 1 ] && [[ "$output" == *"is running: stop it first"* ]]
  zs stop ex
  zs export ex "$BATS_TEST_TMPDIR/ex.tar.gz"
  # the other "host": a root and state directory of its own, without the template yet
  other() { "$ZONE_BIN" --root "$BATS_TEST_TMPDIR/root2" --state-dir "$BATS_TEST_TMPDIR/lib2" "$@"; }
  run other import "$BATS_TEST_TMPDIR/ex.tar.gz"
  [ "$status" -eq 1 ] && [[ "$output" == *"needs template \`base\`"* ]]
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/lib2/zones")" ]
  other template add base "$ZONE_TEST_ROOTFS"
  [ "$(other import "$BATS_TEST_TMPDIR/ex.tar.gz")" = ex ]
  [[ "$(other list | grep '^ex ')" == *stopped* ]]
  other start ex
  # the same zone, with its address: its file from before, written again by its second boot
  [ "$(other state ex | jq -r '.annotations["org.zone.net.address"]')" = "$addr" ]
  wait_for "[ \"\$(other exec ex cat /log | wc -l)\" = 2 ]"
  [ "$(other exec ex head -1 /log)" = exported ]
  run other import "$BATS_TEST_TMPDIR/ex.tar.gz"
  [ "$status" -eq 1 ] && [[ "$output" == *"exists here already"* ]]
  other delete --force ex
  other template rm base
  # a copy here under a new id, beside the original: an address of its own
  [ "$(zs import "$BATS_TEST_TMPDIR/ex.tar.gz" ex2)" = ex2 ]
  jq . "$SD/zones/ex2/config.json" > /dev/null
  zs start ex
  zs start ex2
  a2=$(zs state ex2 | jq -r '.annotations["org.zone.net.address"]')
  [[ "$a2" == "$NET".* ]] && [ "$a2" != "$addr" ]
  [ "$(zs state ex | jq -r '.annotations["org.zone.net.address"]')" = "$addr" ]
  wait_for "[ \"\$(zs exec ex2 cat /log | wc -l)\" = 2 ]"
  zs delete --force ex2
  zs delete --force ex
  echo junk > "$BATS_TEST_TMPDIR/junk.tar"
  run zs import "$BATS_TEST_TMPDIR/junk.tar" j
  [ "$status" -eq 1 ] && [ "${#lines[@]}" -eq 1 ]
  [ -z "$(ls -A "$SD/zones")" ]
}

# An OCI image layout of two layers, made here by hand: a gzip'd base (the test rootfs plus
# files), then a plain layer that whites some of them out and makes /opq opaque.
oci_layout() { # DIR [SECOND-LAYER-DIR: in place of the whiteouts' layer]
  local L=$1 w=$BATS_TEST_TMPDIR/layers.$RANDOM blob sum l1 l2 cfg man
  blob() { # FILE MEDIATYPE -> a descriptor, the file moved into blobs/sha256
    sum=$(sha256sum "$1" | cut -d' ' -f1)
    mv "$1" "$L/blobs/sha256/$sum"
    jq -cn --arg d "sha256:$sum" --arg t "$2" --argjson s "$(stat -c %s "$L/blobs/sha256/$sum")" \
      '{mediaType: $t, digest: $d, size: $s}'
  }
  mkdir -p "$L/blobs/sha256" "$w/1" "$w/2/etc" "$w/2/old" "$w/2/opq"
  cp -a "$ZONE_TEST_ROOTFS/." "$w/1/"
  mkdir -p "$w/1/old" "$w/1/opq"
  echo one > "$w/1/etc/l1"; echo keep > "$w/1/old/keep"; echo gone > "$w/1/old/gone"; echo a > "$w/1/opq/a"
  tar -C "$w/1" --numeric-owner -czf "$w/l1" .
  touch "$w/2/etc/.wh.l1" "$w/2/old/.wh.gone" "$w/2/opq/.wh..wh..opq"
  echo two > "$w/2/etc/l2"; echo b > "$w/2/opq/b"
  tar -C "${2:-$w/2}" --numeric-owner -cf "$w/l2" .
  l1=$(blob "$w/l1" application/vnd.oci.image.layer.v1.tar+gzip)
  l2=$(blob "$w/l2" application/vnd.oci.image.layer.v1.tar)
  echo '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},
    "config":{"Entrypoint":["sh","-c"],"Cmd":["echo $GREETING $TO; pwd; cat l2"],"Env":["GREETING=hello","TO=image"],
    "WorkingDir":"/etc"}}' > "$w/cfg"
  cfg=$(blob "$w/cfg" application/vnd.oci.image.config.v1+json)
  jq -cn --argjson c "$cfg" --argjson a "$l1" --argjson b "$l2" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: [$a, $b]}' > "$w/man"
  man=$(blob "$w/man" application/vnd.oci.image.manifest.v1+json)
  jq -n --argjson m "$man" '{schemaVersion: 2, manifests: [$m + {annotations: {"org.opencontainers.image.ref.name": "v1"},
    platform: {os: "linux", architecture: "amd64"}}]}' > "$L/index.json"
  echo '{"imageLayoutVersion": "1.0.0"}' > "$L/oci-layout"
}

@test "template add from an OCI image layout: layers in order, whiteouts and opaque directories, digests checked" {
  L=$BATS_TEST_TMPDIR/oci
  oci_layout "$L"
  zs template add img "$L"
  T=$SD/templates/img
  [ ! -e "$T/etc/l1" ] && [ "$(cat "$T/etc/l2")" = two ]
  [ -e "$T/old/keep" ] && [ ! -e "$T/old/gone" ]
  [ ! -e "$T/opq/a" ] && [ -e "$T/opq/b" ]
  [ -z "$(find "$T" -name '.wh.*')" ]
  [ -x "$T/bin/busybox" ]
  # by its ref name; a name the index lacks is one line
  zs template add img2 "$L:v1"
  [ "$(cat "$SD/templates/img2/etc/l2")" = two ]
  run zs template add img3 "$L:nope"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no manifest named \`nope\`"* ]]
  # a zone from it: the image's command, environment and working directory unless given
  zs create oz --template img
  run zs start --foreground oz
  [ "$output" = "hello image
/etc
two" ]
  zs delete oz
  zs create oz2 --template img -e TO=you -w / -- sh -c 'echo $GREETING $TO; pwd; echo $PATH'
  run zs start --foreground oz2
  [ "${lines[0]}" = "hello you" ] && [ "${lines[1]}" = / ] && [[ "${lines[2]}" == */bin* ]]
  zs delete oz2
  # a blob that is not what its digest says: refused, nothing made
  f=$(ls -S "$L/blobs/sha256" | head -1)
  printf 'x' >> "$L/blobs/sha256/$f"
  run zs template add img4 "$L"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"does not match its digest"* ]]
  [ ! -e "$SD/templates/img4" ]
  # (beside each template from an image, the image's config: .NAME.image)
  [ -z "$(ls -A "$SD/templates" | grep -v -x -e img -e img2 -e .img.image -e .img2.image)" ]
  zs template rm img
  zs template rm img2
  [ -z "$(ls -A "$SD/templates")" ]
  # a whiteout that names no file (".wh..": the directory itself) is refused; nothing is made
  mkdir -p "$BATS_TEST_TMPDIR/evil/etc"
  touch "$BATS_TEST_TMPDIR/evil/etc/.wh.."
  oci_layout "$BATS_TEST_TMPDIR/oci-evil" "$BATS_TEST_TMPDIR/evil"
  run zs template add evil "$BATS_TEST_TMPDIR/oci-evil"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"whiteout \`.wh..\` names no file"* ]]
  [ -z "$(ls -A "$SD/templates")" ]
}
