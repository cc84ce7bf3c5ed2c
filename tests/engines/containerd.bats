#!/usr/bin/env bats
# containerd 1.6 through ctr: the runc.v2 shim with zone as its runc binary (`--runc-binary`),
# containerd on its own config, root, state and sockets.

load helpers

setup_file() {
  export CD=$ZONE_ENGINE_TMP/containerd
  mkdir -p "$CD"
  cat > "$CD/config.toml" <<TOML
version = 2
root = "$CD/root"
state = "$CD/state"
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.ttrpc.sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable_cgroup = true
TOML
  containerd --config "$CD/config.toml" > "$CD/log" 2>&1 &
  echo $! > "$CD/pid"
  if ! wait_for "c version > /dev/null 2>&1"; then
    echo "containerd did not start; its log:" >&2
    tail -20 "$CD/log" >&2
    return 1
  fi
  oci_archive "$ZONE_ENGINE_TMP/rootfs.tar" "$CD/image.tar"
  c images import --base-name localhost/zonetest "$CD/image.tar" > /dev/null
}

teardown_file() {
  local id pid
  for id in $(c tasks ls -q 2>/dev/null); do c tasks kill -s KILL "$id" 2>/dev/null || true; done
  sleep 0.5
  for id in $(c containers ls -q 2>/dev/null); do
    c tasks rm -f "$id" > /dev/null 2>&1 || true
    c containers rm "$id" > /dev/null 2>&1 || true
  done
  pid=$(cat "$CD/pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  [ -n "$pid" ] && wait_for "! kill -0 $pid 2>/dev/null || [ \"\$(awk '{print \$3}' /proc/$pid/stat)\" = Z ]"
  grep -o " $CD[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$CD"
  remove_engine_cgroups default
}

c() {
  ctr -a "$CD/containerd.sock" "$@"
}

crun_() {
  c run --runc-binary "$ZONE_BIN" "$@"
}

# An OCI image archive of one layer, made here: no registry, no other engine needed.
oci_archive() { # LAYER-TAR OUT
  local d=$CD/oci layer cfg man lsz csz msz
  mkdir -p "$d/blobs/sha256"
  gzip -c "$1" > "$d/layer.gz"
  layer=$(sha256sum < "$d/layer.gz" | cut -d' ' -f1)
  mv "$d/layer.gz" "$d/blobs/sha256/$layer"
  lsz=$(stat -c %s "$d/blobs/sha256/$layer")
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$(sha256sum < "$1" | cut -d' ' -f1)" > "$d/cfg"
  cfg=$(sha256sum < "$d/cfg" | cut -d' ' -f1); csz=$(stat -c %s "$d/cfg"); mv "$d/cfg" "$d/blobs/sha256/$cfg"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$cfg" "$csz" "$layer" "$lsz" > "$d/man"
  man=$(sha256sum < "$d/man" | cut -d' ' -f1); msz=$(stat -c %s "$d/man"); mv "$d/man" "$d/blobs/sha256/$man"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$man" "$msz" > "$d/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
  tar -C "$d" -cf "$2" oci-layout index.json blobs
}

@test "ctr run --rm: output and exit status come through zone" {
  run crun_ --rm localhost/zonetest:latest cr1 sh -c 'echo hello from zone; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = "hello from zone" ]
}

@test "ctr: detached, exec with and without a terminal, kill, rm" {
  crun_ -d localhost/zonetest:latest cd1 sh -c "$IDLE" > /dev/null
  wait_for "[ \"\$(c tasks ls | awk '\$1 == \"cd1\" {print \$3}')\" = RUNNING ]"
  run c tasks exec --exec-id e1 cd1 sh -c 'exit 7'
  [ "$status" -eq 7 ]
  # ctr wants a terminal of its own for -t: script(1) gives it one
  run script -qec "ctr -a $CD/containerd.sock tasks exec -t --exec-id e2 cd1 tty" /dev/null
  [[ "$output" == */dev/pts/* ]]
  run c tasks exec --exec-id e3 cd1 tty
  [ "$output" = "not a tty" ]
  c tasks kill cd1
  wait_for "[ \"\$(c tasks ls | awk '\$1 == \"cd1\" {print \$3}')\" = STOPPED ]"
  c tasks rm cd1 > /dev/null
  c containers rm cd1
  [ -z "$(c containers ls -q)" ]
}

@test "ctr: a memory limit is enforced and is the zone's cgroup's; pause and resume" {
  crun_ -d --memory-limit 33554432 localhost/zonetest:latest cm1 sh -c "$IDLE" > /dev/null
  wait_for "[ \"\$(c tasks ls | awk '\$1 == \"cm1\" {print \$3}')\" = RUNNING ]"
  pid=$(c tasks ls | awk '$1 == "cm1" {print $2}')
  # ctr's spec mounts no cgroupfs: read the zone's cgroup from the host
  cg=$(awk -F: '$2 == "memory" || $1 == "0" {print $3; exit}' /proc/$pid/cgroup)
  [ "$(cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup$cg/memory.max)" = 33554432 ]
  # dd's 64 MiB buffer, filled: the OOM killer ends it (128+9), a 16 MiB one is fine
  run c tasks exec --exec-id e1 cm1 dd if=/dev/zero of=/dev/null bs=64M count=1
  [ "$status" -eq 137 ]
  run c tasks exec --exec-id e2 cm1 dd if=/dev/zero of=/dev/null bs=16M count=1
  [ "$status" -eq 0 ]
  c tasks pause cm1
  [ "$(c tasks ls | awk '$1 == "cm1" {print $3}')" = PAUSED ]
  c tasks resume cm1
  [ "$(c tasks ls | awk '$1 == "cm1" {print $3}')" = RUNNING ]
  c tasks kill -s KILL cm1
  wait_for "[ \"\$(c tasks ls | awk '\$1 == \"cm1\" {print \$3}')\" = STOPPED ]"
  c tasks rm cm1 > /dev/null
  c containers rm cm1
}
