#!/usr/bin/env bats
# The zone's filesystem: mounts and their options, devices, masked and read-only paths,
# the read-only root, safe resolution of mount targets, and the process basics.

load helpers

@test "root.readonly: the root cannot be written, tmpfs mounts can" {
  set_args sh -c 'touch /newfile 2>&1; echo rc=$?; touch /dev/shm/ok && echo shm-ok'
  run zone run ro1
  [ "$status" -eq 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" == *"shm-ok"* ]]
  [ ! -e "$ZONE_TEST_ROOTFS/newfile" ]
}

@test "a writable root when root.readonly is false" {
  own_rootfs
  cfg '.root.readonly = false'
  set_args sh -c 'echo data > /newfile'
  zone run rw1
  [ "$(cat "$ROOTFS/newfile")" = data ]
}

@test "maskedPaths are unreadable and readonlyPaths cannot be written" {
  # A file of the rootfs itself, so that the test does not depend on what the host's /proc has.
  cfg '.linux.maskedPaths += ["/etc/passwd"]'
  set_args sh -c 'wc -c < /etc/passwd; ls -A /sys/firmware 2>/dev/null | wc -l; echo 1 > /proc/sys/kernel/domainname 2>&1 || echo ro-ok'
  run zone run mk1
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [[ "$output" == *ro-ok* ]]
  # a masked directory is empty and read-only, but can be listed without CAP_DAC_OVERRIDE (runc)
  cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities = {}'
  set_args sh -c 'ls -A /sys/firmware && echo listed; touch /sys/firmware/x 2>/dev/null || echo ro'
  run zone run mk2
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'listed\nro')" ]
}

@test "mount options become mount flags and data" {
  cfg '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=1m", "mode=700"]}]'
  set_args sh -c 'grep " /data " /proc/mounts; stat -c %a /data; df -k /data | tail -1'
  run zone run mo1
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"tmpfs /data tmpfs rw,nosuid,nodev,noexec"* ]]
  [ "${lines[1]}" = 700 ]
  [ "$(echo "${lines[2]}" | awk '{print $2}')" = 1024 ]
}

@test "tmpcopyup: a tmpfs starts with what the image has there (podman --read-only and --tmpfs)" {
  own_rootfs
  mkdir -p "$ROOTFS/srv/sub"
  echo kept > "$ROOTFS/srv/sub/file"
  ln -s sub/file "$ROOTFS/srv/link"
  chmod 4755 "$ROOTFS/srv/sub/file"
  chown 1000:1000 "$ROOTFS/srv/sub"
  cfg '.root.readonly = true
       | .mounts += [{"destination": "/srv", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "nosuid", "nodev", "tmpcopyup", "mode=755"]},
                     {"destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "notmpcopyup"]}]'
  set_args sh -c 'cat /srv/link; stat -c "%a %u:%g" /srv/sub/file /srv/sub; echo w > /srv/new && echo written; ls /etc | wc -l'
  run zone run cu1
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = kept ]
  [ "${lines[1]}" = "4755 0:0" ]
  [ "${lines[2]}" = "755 1000:1000" ]
  [ "${lines[3]}" = written ]
  # notmpcopyup (last) wins: an empty tmpfs
  [ "${lines[4]}" = 0 ]
  # the image itself is untouched
  [ ! -e "$ROOTFS/srv/new" ]
}

@test "recursive mount attributes (rro) reach submounts; idmap is refused with one line naming it" {
  mkdir -p "$BATS_TEST_TMPDIR/outer/inner"
  mount -t tmpfs tmpfs "$BATS_TEST_TMPDIR/outer/inner"
  echo x > "$BATS_TEST_TMPDIR/outer/inner/f"
  cfg --arg h "$BATS_TEST_TMPDIR/outer" \
    '.mounts += [{"destination": "/mnt", "type": "bind", "source": $h, "options": ["rbind", "rro"]}]'
  set_args sh -c 'cat /mnt/inner/f; touch /mnt/inner/g 2>/dev/null || echo inner-ro; touch /mnt/g 2>/dev/null || echo outer-ro'
  run zone run ra1
  umount "$BATS_TEST_TMPDIR/outer/inner"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = x ]
  [ "${lines[1]}" = inner-ro ]
  [ "${lines[2]}" = outer-ro ]
  cfg '.mounts[-1].options = ["rbind", "idmap"]'
  run zone run ra2
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"mounts["*"].options: option \`idmap\` (an idmapped mount) is not supported"* ]]
  [ -z "$(ls -A "$ZROOT")" ]
}

@test "bind mounts from the host, read-only when asked, relative sources from the bundle" {
  mkdir -p "$BATS_TEST_TMPDIR/hostdir" "$BUNDLE/reldir"
  echo from-host > "$BATS_TEST_TMPDIR/hostdir/file"
  echo from-bundle > "$BUNDLE/reldir/file"
  echo single > "$BATS_TEST_TMPDIR/single"
  cfg --arg h "$BATS_TEST_TMPDIR/hostdir" --arg f "$BATS_TEST_TMPDIR/single" \
    '.mounts += [{"destination": "/mnt/ro", "type": "bind", "source": $h, "options": ["rbind", "ro"]},
                 {"destination": "/mnt/rel", "type": "none", "source": "reldir", "options": ["bind"]},
                 {"destination": "/etc/single", "type": "bind", "source": $f, "options": ["bind", "ro"]}]'
  set_args sh -c 'cat /mnt/ro/file; touch /mnt/ro/x 2>/dev/null || echo ro-ok; cat /mnt/rel/file; echo w > /mnt/rel/new; cat /etc/single'
  run zone run bm1
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = from-host ]
  [ "${lines[1]}" = ro-ok ]
  [ "${lines[2]}" = from-bundle ]
  [ "${lines[3]}" = single ]
  [ "$(cat "$BUNDLE/reldir/new")" = w ]
  [ ! -e "$BATS_TEST_TMPDIR/hostdir/x" ]
}

@test "a symlink in the rootfs cannot lead a mount out of it" {
  own_rootfs
  hostdir=$BATS_TEST_TMPDIR/host-target
  mkdir -p "$hostdir"
  # Absolute and relative links that point outside the rootfs if followed on the host.
  ln -s "$hostdir" "$ROOTFS/evil"
  ln -s "../../../../../../../../$hostdir" "$ROOTFS/evil2"
  cfg '.mounts += [{"destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs"},
                   {"destination": "/evil2/sub2", "type": "tmpfs", "source": "tmpfs"}]'
  set_idle
  zone run -d sy1 > /dev/null
  pid=$(zone state sy1 | jq .pid)
  # Nothing was created or mounted in the host directory ...
  [ -z "$(ls -A "$hostdir")" ]
  ! grep -q "$hostdir" /proc/$pid/mountinfo || grep "$hostdir" /proc/$pid/mountinfo | grep -vq "$ROOTFS"
  # ... the targets were resolved inside the rootfs instead.
  [ -d "$ROOTFS/$hostdir/sub" ]
  [ -d "$ROOTFS/$hostdir/sub2" ]
}

@test "default devices and linux.devices" {
  cfg '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 432, "uid": 0, "gid": 6}]'
  set_args sh -c 'for d in null zero full random urandom tty mynull; do stat -c "%n %t:%T %F" /dev/$d; done; stat -c "%a %u %g" /dev/mynull; echo x > /dev/mynull && echo write-ok; readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx'
  run zone run dv1
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "/dev/null 1:3 character special file" ]]
  [[ "${lines[1]}" == "/dev/zero 1:5 character special file" ]]
  [[ "${lines[6]}" == "/dev/mynull 1:3 character special file" ]]
  [ "${lines[7]}" = "660 0 6" ]
  [ "${lines[8]}" = write-ok ]
  [ "${lines[9]}" = /proc/self/fd ]
  [ "${lines[10]}" = /proc/self/fd/0 ]
  [ "${lines[11]}" = pts/ptmx ]
}

@test "linux.sysctl is applied inside the zone only" {
  cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4096"}'
  set_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax'
  before=$(cat /proc/sys/kernel/msgmax)
  run zone run sc1
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = 4096 ]
  [ "$(cat /proc/sys/kernel/msgmax)" = "$before" ]
}

@test "--no-pivot runs the zone with MS_MOVE and chroot" {
  set_args sh -c 'ls /; echo $$'
  run zone run --no-pivot np1
  [ "$status" -eq 0 ]
  [[ "$output" == *bin* ]]
  [ "${lines[-1]}" = 1 ]
}

@test "process: args, env, cwd, uid, gid and additional gids" {
  cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 7]} | .process.cwd = "/tmp"
       | .process.env += ["ZONE_TEST=yes"]'
  set_args sh -c 'id -u; id -g; id -G; pwd; echo $ZONE_TEST; echo $HOME'
  run zone run pr1
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 1001 ]
  [ "${lines[2]}" = "1001 5 7" ]
  [ "${lines[3]}" = /tmp ]
  [ "${lines[4]}" = yes ]
  [ "${lines[5]}" = / ]
}

@test "HOME comes from the zone's own /etc/passwd, \"/\" for a user it does not list; exec too" {
  own_rootfs
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\nsvc:x:1001:1001::/srv/svc:/bin/sh\n' > "$ROOTFS/etc/passwd"
  cfg '.process.user = {"uid": 1000, "gid": 1000}'
  set_args sh -c 'echo $HOME'
  run zone run hm1
  [ "$status" -eq 0 ]
  [ "$output" = /home/app ]
  cfg '.process.user = {"uid": 4242, "gid": 4242}'
  run zone run hm2
  [ "$output" = / ]
  # an explicit HOME wins
  cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.env += ["HOME=/elsewhere"]'
  run zone run hm3
  [ "$output" = /elsewhere ]
  # exec looks the user up the same way
  cfg '.process.user = {"uid": 0, "gid": 0} | .process.env |= map(select(startswith("HOME=") | not))'
  set_idle
  zone run -d hm4 > /dev/null
  run zone exec -u 1001:1001 hm4 sh -c 'echo $HOME'
  [ "$output" = /srv/svc ]
  run zone exec hm4 sh -c 'echo $HOME'
  [ "$output" = /root ]
  # a FIFO in place of /etc/passwd cannot hold the zone up
  zone delete -f hm4
  rm "$ROOTFS/etc/passwd"
  mkfifo "$ROOTFS/etc/passwd"
  set_args sh -c 'echo $HOME'
  run timeout 20 "$ZONE_BIN" --root "$ZROOT" run hm5
  [ "$status" -eq 0 ]
  [ "$output" = / ]
}

@test "a missing cwd fails create with the JSON path and leaves nothing" {
  cfg '.process.cwd = "/does/not/exist"'
  run zone create cw1
  [ "$status" -eq 1 ]
  [[ "$output" == *"process.cwd: chdir \`/does/not/exist\`"* ]]
  [ -z "$(ls -A "$ZROOT")" ]
}

@test "delete leaves nothing in mountinfo, the cgroup tree or the state root" {
  set_idle
  zone run -d dl1 > /dev/null
  [ -n "$(ls -d /sys/fs/cgroup/*/zone/dl1@* /sys/fs/cgroup/zone/dl1@* 2>/dev/null)" ]
  zone delete --force dl1
  [ "$(grep -c "$ZONE_TEST_ROOTFS" /proc/self/mountinfo)" = 0 ]
  [ -z "$(ls -d /sys/fs/cgroup/*/zone/dl1@* /sys/fs/cgroup/zone/dl1@* 2>/dev/null)" ]
  [ -z "$(ls -A "$ZROOT")" ]
}

@test "runc parity: /proc or /sys as a symlink in the rootfs is refused; kill ID 0 checks liveness" {
  own_rootfs
  rmdir "$ROOTFS/proc"
  mkdir "$ROOTFS/elsewhere"
  ln -s elsewhere "$ROOTFS/proc"
  set_args true
  run zone run ps1
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"\`/proc\` is a symlink in the rootfs: proc is mounted only on a directory"* ]]
  [ -z "$(ls -A "$ROOTFS/elsewhere")" ]
  rm "$ROOTFS/proc" && mkdir "$ROOTFS/proc"
  set_idle
  zone run -d k0 > /dev/null
  zone kill k0 0
  [ "$(zone_status k0)" = running ]
  zone kill k0 KILL
  wait_for "[ \"\$(zone_status k0)\" = stopped ]"
  run zone kill k0 0
  [ "$status" -ne 0 ]
}

@test "runc parity: a tmpfs without mode= keeps the mode of the directory it covers (1777 when made)" {
  own_rootfs
  mkdir -m 750 "$ROOTFS/app"
  mkdir -m 700 "$ROOTFS/keep"
  cfg '.root.readonly = false
       | .mounts += [{destination: "/app", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=1m"]},
                     {destination: "/keep", type: "tmpfs", source: "tmpfs", options: ["mode=1777"]},
                     {destination: "/made", type: "tmpfs", source: "tmpfs"}]'
  set_args sh -c 'stat -c "%n %a" /app /keep /made'
  run zone run tm
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/app 750" ]
  [ "${lines[1]}" = "/keep 1777" ]
  [ "${lines[2]}" = "/made 1777" ]
}

@test "runc parity: a read-only /dev still gets /dev/pts, /dev/shm and the devices, then is read-only" {
  cfg '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
  set_args sh -c 'echo x > /dev/null && echo null-ok; touch /dev/new 2>/dev/null || echo dev-ro; touch /dev/shm/f && echo shm-ok; [ -e /dev/pts/ptmx ] && echo pts-ok'
  run zone run dro
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'null-ok\ndev-ro\nshm-ok\npts-ok')" ]
}

@test "runc parity: bind sources and targets through symlinks" {
  own_rootfs
  cfg '.root.readonly = false'
  echo hello > "$BATS_TEST_TMPDIR/file"
  ln -s "$BATS_TEST_TMPDIR/file" "$BATS_TEST_TMPDIR/to-file"
  ln -s /nonexistent/x "$BATS_TEST_TMPDIR/dangling"
  # a dangling source is refused, naming it (runc: stat ...: no such file or directory)
  cfg --arg s "$BATS_TEST_TMPDIR/dangling" '.mounts += [{destination: "/mnt/d", type: "bind", source: $s, options: ["bind"]}]'
  run zone run bd
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"bind source \`$BATS_TEST_TMPDIR/dangling\`: No such file or directory"* ]]
  [ ! -e "$ROOTFS/mnt/d" ]
  # a symlink to a file binds the file, on a file made for it
  cfg --arg s "$BATS_TEST_TMPDIR/to-file" '.mounts[-1] = {destination: "/mnt/f", type: "bind", source: $s, options: ["bind"]}'
  set_args cat /mnt/f
  run zone run bf
  [ "$output" = hello ]
  [ -f "$ROOTFS/mnt/f" ]
  # a target that is a dangling symlink of the image is followed inside the rootfs, never on the host
  ln -s /outside/deeper "$ROOTFS/mnt/t"
  cfg --arg s "$BATS_TEST_TMPDIR" '.mounts[-1] = {destination: "/mnt/t", type: "bind", source: $s, options: ["bind"]}'
  set_args cat /outside/deeper/file
  run zone run bt
  [ "$output" = hello ]
  [ -d "$ROOTFS/outside/deeper" ]
  [ ! -e /outside ]
}
