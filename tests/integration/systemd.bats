#!/usr/bin/env bats
# Defined zones under systemd: `start --foreground` (what zone@.service runs), sd_notify passed
# through, the zone in the unit's own cgroup, Restart=. The relay is tested on any host against a
# stand-in NOTIFY_SOCKET; the units themselves where systemd is PID 1 (the v2 guest).

load helpers

N=${ZONE_TEST_NET:-0}
UNIT=zone-t$N

setup() {
  zone_setup
  SD=$BATS_TEST_TMPDIR/lib
  TPL=$BATS_TEST_TMPDIR/tpl
  cp -a "$ZONE_TEST_ROOTFS" "$TPL"
  cp "$ZONE_TEST_HELPERS/sd-notify" "$TPL/bin/sd-notify"
  zs template add base "$TPL"
}

teardown() {
  local id
  if [ -f "/run/systemd/system/$UNIT@.service" ]; then
    for id in $(ls "$SD/zones" 2> /dev/null); do systemctl stop "$UNIT@$id" 2> /dev/null || true; done
    rm -rf "/run/systemd/system/$UNIT@.service" /run/systemd/system/$UNIT@*.service.d
    systemctl daemon-reload
  fi
  [ -z "${RECV:-}" ] || kill "$RECV" 2> /dev/null || true
  for id in $(ls "$SD/zones" 2> /dev/null); do zs delete --force "$id" || true; done
  zone_teardown
  if [ -n "$(ls -A "$SD/zones" 2> /dev/null)" ]; then echo "left behind: definitions" >&2; return 1; fi
}

zs() {
  "$ZONE_BIN" --root "$ZROOT" --state-dir "$SD" "$@"
}

# A stand-in for systemd's notify socket; what reaches it is in $BATS_TEST_TMPDIR/notified.
fake_systemd() {
  NOTIFY=$BATS_TEST_TMPDIR/systemd-notify.sock
  "$ZONE_TEST_HELPERS/notify-recv" "$NOTIFY" > "$BATS_TEST_TMPDIR/notified" &
  RECV=$!
  wait_for "[ -S $NOTIFY ]"
}

@test "start --foreground under systemd: READY=1 goes with MAINPID = the zone's init; zone leaves the running zone to systemd" {
  fake_systemd
  zs create n1 --template base --notify container \
    -- sh -c 'sleep 0.5; sd-notify "STATUS=warming up"; sleep 0.3; sd-notify READY=1; trap "exit 0" TERM; while :; do sleep 0.1; done'
  # (zone itself in the background, not a shell around it)
  NOTIFY_SOCKET=$NOTIFY "$ZONE_BIN" --root "$ZROOT" --state-dir "$SD" start --foreground n1 < /dev/null > "$BATS_TEST_TMPDIR/out" 2>&1 &
  fg=$!
  # not ready until the zone says so: zone waits, relaying
  sleep 0.2
  ! grep -q READY=1 "$BATS_TEST_TMPDIR/notified"
  kill -0 "$fg"
  wait_for "grep -q '^READY=1' $BATS_TEST_TMPDIR/notified"
  grep -q '^STATUS=warming up' "$BATS_TEST_TMPDIR/notified"
  # one message: ready, and the main process is the zone's init (the process systemd adopts)
  pid=$(zs state n1 | jq .pid)
  grep -qx "READY=1 MAINPID=$pid" "$BATS_TEST_TMPDIR/notified"
  # zone has gone, exit 0; the zone runs on, its rootfs still mounted
  st=0
  wait "$fg" || st=$?
  [ "$st" -eq 0 ]
  [ "$(zone_status n1)" = running ]
  zs exec n1 true
  # what the unit's ExecStop runs: SIGTERM, then halted (no runtime state, still defined)
  zs stop n1
  [ ! -e "$ZROOT/n1" ]
  ! kill -0 "$pid" 2> /dev/null
  [[ "$(zs list | grep '^n1 ')" == *stopped* ]]
  # and again (ExecStopPost after ExecStop): nothing to do, no error
  zs stop n1
}

@test "start --foreground: a zone that exits before it is ready is halted and zone exits with its status" {
  fake_systemd
  zs create early --template base --notify container -- sh -c 'exit 3'
  st=0
  NOTIFY_SOCKET=$NOTIFY "$ZONE_BIN" --root "$ZROOT" --state-dir "$SD" start --foreground early < /dev/null || st=$?
  [ "$st" -eq 3 ]
  [ ! -e "$ZROOT/early" ]
  ! grep -q READY=1 "$BATS_TEST_TMPDIR/notified"
  # by hand (no NOTIFY_SOCKET) zone waits for the zone and exits with its status
  zs create hand --template base -- sh -c 'exit 4'
  st=0
  env -u NOTIFY_SOCKET "$ZONE_BIN" --root "$ZROOT" --state-dir "$SD" start --foreground hand < /dev/null || st=$?
  [ "$st" -eq 4 ]
  [ ! -e "$ZROOT/hand" ]
}

@test "start --foreground --notify started: zone says READY=1 and MAINPID once the process runs; stop's SIGTERM reaches the zone" {
  fake_systemd
  zs create s1 --template base -- sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
  NOTIFY_SOCKET=$NOTIFY "$ZONE_BIN" --root "$ZROOT" --state-dir "$SD" start --foreground s1 < /dev/null > /dev/null 2>&1
  [ "$(zone_status s1)" = running ]
  pid=$(zs state s1 | jq .pid)
  grep -qx "READY=1 MAINPID=$pid" "$BATS_TEST_TMPDIR/notified"
  # the zone's trap ends it at once, long before stop's 10 s
  start=$(date +%s)
  zs stop s1
  [ $(($(date +%s) - start)) -lt 5 ]
  [ ! -e "$ZROOT/s1" ]
  # not a defined zone: refused in one line
  run zs start --foreground nosuch
  [ "$status" -eq 1 ] && [[ "$output" == *"is not a zone defined from a template"* ]]
}

@test "run in the foreground with NOTIFY_SOCKET (a plain bundle, as runc): the zone's READY=1 goes through zone" {
  fake_systemd
  cp "$ZONE_TEST_HELPERS/sd-notify" "$TPL/bin/"
  # runc's default spec: a read-only root
  cfg --arg r "$TPL" '.root = {path: $r, readonly: true}'
  set_args sh -c 'sd-notify READY=1; [ "$NOTIFY_SOCKET" = /run/zone-notify/notify.sock ] && echo told'
  run env NOTIFY_SOCKET="$NOTIFY" "$ZONE_BIN" --root "$ZROOT" run plain
  [ "$status" -eq 0 ]
  [ "$output" = told ]
  # READY=1 names the init as the main process, as runc does
  wait_for "grep -q '^READY=1 MAINPID=[0-9][0-9]*$' $BATS_TEST_TMPDIR/notified"
  # without NOTIFY_SOCKET nothing of it: no socket, no variable
  set_args sh -c 'echo "${NOTIFY_SOCKET:-none}"'
  [ "$(zone run plain2)" = none ]
}

# zone@.service as `make install` writes it, run from the build tree with this test's roots.
install_unit() {
  local top
  top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  sed "s|@BINDIR@/zone|$ZONE_BIN --root $ZROOT --state-dir $SD|" "$top/units/zone@.service.in" \
    > "/run/systemd/system/$UNIT@.service"
  systemctl daemon-reload
}

@test "zone@.service: systemctl start runs the zone in the unit's cgroup, stop leaves nothing" {
  [ -d /run/systemd/system ] || skip "systemd is not PID 1 here: the units are tested in the v2 guest (make check-v2)"
  install_unit
  zs create web1 --template base --memory 64m -- sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
  systemctl start "$UNIT@web1"
  [ "$(systemctl is-active "$UNIT@web1")" = active ]
  [ "$(zone_status web1)" = running ]
  pid=$(zs state web1 | jq .pid)
  cg=$(cut -d: -f3 < /proc/$pid/cgroup)
  [[ "$cg" == */"$UNIT@web1.service/zone" ]]
  # the unit's accounting sees the zone; its limit is the zone's own
  [ "$(cat /sys/fs/cgroup$cg/memory.max)" = 67108864 ]
  [ "$cg" = "$(systemctl show -P ControlGroup "$UNIT@web1")/zone" ]
  # the unit's main process is the zone's init
  [ "$(systemctl show -P MainPID "$UNIT@web1")" = "$pid" ]
  [ "$(systemctl show -P MemoryCurrent "$UNIT@web1")" -gt 0 ]
  systemctl stop "$UNIT@web1"
  [ "$(systemctl is-active "$UNIT@web1" || true)" = inactive ]
  [ ! -e "$ZROOT/web1" ]
  [ ! -d "/sys/fs/cgroup$cg" ]
  [[ "$(zs list | grep '^web1 ')" == *stopped* ]]
  # started again: the same zone
  systemctl start "$UNIT@web1"
  [ "$(zone_status web1)" = running ]
  systemctl stop "$UNIT@web1"
}

@test "zone@.service: Type=notify is active only once the zone says READY=1; Restart=on-failure restarts a zone that exits 1" {
  [ -d /run/systemd/system ] || skip "systemd is not PID 1 here: the units are tested in the v2 guest (make check-v2)"
  install_unit
  zs create rdy --template base --notify container -- sh -c 'sleep 3; sd-notify READY=1; while :; do sleep 0.1; done'
  systemctl start --no-block "$UNIT@rdy"
  wait_for "[ \"\$(zs state rdy 2>/dev/null | jq -r .status)\" = running ]"
  [ "$(systemctl is-active "$UNIT@rdy" || true)" = activating ]
  for i in $(seq 100); do [ "$(systemctl is-active "$UNIT@rdy")" = active ] && break; sleep 0.1; done
  [ "$(systemctl is-active "$UNIT@rdy")" = active ]
  systemctl stop "$UNIT@rdy"
  # a zone whose process fails is started again by systemd
  zs create fails --template base -- sh -c 'date +%s%N >> /runs; sleep 0.3; exit 1'
  mkdir -p "/run/systemd/system/$UNIT@fails.service.d"
  printf '[Service]\nRestart=on-failure\nRestartSec=0.2\n' > "/run/systemd/system/$UNIT@fails.service.d/restart.conf"
  systemctl daemon-reload
  systemctl start "$UNIT@fails"
  for i in $(seq 100); do [ "$(wc -l < "$SD/zones/fails/upper/runs" 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 0.1; done
  [ "$(wc -l < "$SD/zones/fails/upper/runs")" -ge 3 ]
  systemctl stop "$UNIT@fails"
  [ ! -e "$ZROOT/fails" ]
}
