#!/usr/bin/env bats
# The CPU governor: caps, weights, reservations and SmartOS-style bursting, measured from the
# zones' own cgroup usage counters over windows of seconds, with the governor of the test's own
# root running in the background.

load helpers

setup() {
  zone_setup
  GOV=
  NCPU=$(nproc)
}

teardown() {
  [ -z "$GOV" ] || { kill -9 "$GOV" 2>/dev/null; wait "$GOV" 2>/dev/null || true; }
  rm -f "$ZROOT"/@governor "$ZROOT"/@governor.lock
  zone_teardown
}

governor_start() {
  "$ZONE_BIN" --root "$ZROOT" governor "$@" > "$BATS_TEST_TMPDIR/governor.out" 2>&1 &
  GOV=$!
}

# busy ID N [ANNOTATIONS-JSON]: a zone running N busy loops.
busy() {
  local loops="while :; do :; done" i
  for i in $(seq 2 "$2"); do loops="while :; do :; done & $loops"; done
  cfg --argjson a "${3:-{\}}" '.annotations = $a'
  set_args sh -c "$loops"
  zone run -d "$1" > /dev/null 2>&1
}

# Percent of one core each zone used over MS milliseconds: "ID PERCENT" lines.
measure() { # MS ID...
  local ms=$1 id
  shift
  declare -A before
  for id in "$@"; do before[$id]=$(cpu_ns "$id"); done
  sleep "$(awk -v m="$ms" 'BEGIN {print m / 1000}')"
  for id in "$@"; do
    echo "$id $(( ($(cpu_ns "$id") - ${before[$id]}) / (ms * 10000) ))"
  done
}

governor_fds() {
  ls "/proc/$GOV/fd" | wc -l
}

within() { # VALUE TARGET SLACK
  [ "$1" -ge $(($2 - $3)) ] && [ "$1" -le $(($2 + $3)) ] || { echo "$1 is not within $2 ± $3" >&2; return 1; }
}

@test "bad cpu annotations fail create with one line naming them, and leave nothing" {
  for bad in 'org.zone.cpu.cap=abc:must be a number of cores' 'org.zone.cpu.cap=-1:must be a number of cores' \
             'org.zone.cpu.weight=0:must be a whole number' "org.zone.cpu.reserve=$((NCPU + 1)):$((NCPU + 1)) cores is more than this host has" \
             'org.zone.cpu.burst=2:needs org.zone.cpu.baseline' 'org.zone.cpu.capp=1:unknown'; do
    kv=${bad%%:*}
    cfg --arg k "${kv%%=*}" --arg v "${kv#*=}" '.annotations = {($k): $v}'
    run zone create bad
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"annotations.${kv%%=*}: ${bad#*:}"* ]]
    [ -z "$(ls -A "$ZROOT" 2>/dev/null)" ]
  done
  # a cap and a quota of linux.resources both set the ceiling: one of them
  cfg '.annotations = {"org.zone.cpu.cap": "1"} | .linux.resources.cpu = {quota: 50000, period: 100000}'
  run zone create bad
  [[ "$output" == *"annotations.org.zone.cpu.cap: linux.resources.cpu.quota sets a ceiling too"* ]]
}

@test "cap: 0.3 of a core holds a busy zone to 30 % ± 3, with the governor running" {
  governor_start
  busy cap1 2 '{"org.zone.cpu.cap": "0.3"}'
  sleep 1
  read -r _ pct < <(measure 3000 cap1)
  within "$pct" 30 3
}

@test "weights 1:2:1 share two cores 50 / 100 / 50 % (± 3), three busy zones" {
  [ "$NCPU" -eq 2 ] || skip "the shares are stated for a 2-core host"
  busy w1 2 '{"org.zone.cpu.weight": "100"}'
  busy w2 2 '{"org.zone.cpu.weight": "200"}'
  busy w3 2 '{"org.zone.cpu.weight": "100"}'
  governor_start
  sleep 2
  out=$(measure 3000 w1 w2 w3)
  echo "$out"
  within "$(awk '$1 == "w1" {print $2}' <<< "$out")" 50 3
  within "$(awk '$1 == "w2" {print $2}' <<< "$out")" 100 3
  within "$(awk '$1 == "w3" {print $2}' <<< "$out")" 50 3
  # and it is the governor's doing: the quotas it wrote are those shares (in hundredths of a core)
  for w in w1:50 w2:100 w3:50; do
    within "$(awk -v id="${w%:*}" '$1 == id {printf "%d", $3 * 100}' "$ZROOT/@governor")" "${w#*:}" 8
  done
}

@test "reserve: 1 core guaranteed to a weight-1 zone against two busy zones of weight 1000" {
  [ "$NCPU" -eq 2 ] || skip "stated for a 2-core host"
  busy r1 2 '{"org.zone.cpu.reserve": "1", "org.zone.cpu.weight": "1"}'
  busy h1 2 '{"org.zone.cpu.weight": "1000"}'
  busy h2 2 '{"org.zone.cpu.weight": "1000"}'
  governor_start
  sleep 2
  out=$(measure 3000 r1 h1 h2)
  echo "$out"
  [ "$(awk '$1 == "r1" {print $2}' <<< "$out")" -ge 95 ]
}

@test "reserve: the host's cores cannot be overbooked; delete frees the reservation" {
  half=$(awk -v n="$NCPU" 'BEGIN {print n / 2}')
  cfg --arg r "$half" '.annotations = {"org.zone.cpu.reserve": $r}'
  set_idle
  zone create res1 > /dev/null
  cfg --arg r "$(awk -v n="$NCPU" 'BEGIN {print n / 2 + 0.5}')" '.annotations = {"org.zone.cpu.reserve": $r}'
  run zone create res2
  [ "$status" -eq 1 ]
  [[ "$output" == *"annotations.org.zone.cpu.reserve: $((NCPU / 2)).5 cores asked, but only $half of the host's $NCPU cores are free"* ]]
  [ ! -e "$ZROOT/res2" ]
  zone delete res1
  zone create res2 > /dev/null
  grep -q "	res2	" /run/zone-cpu/reservations
  zone delete res2
  ! grep -qs "	res2	" /run/zone-cpu/reservations
}

@test "baseline 0.2, burst 2 s, cooldown 3 s: near 100 % for 2 s, 20 % for 3 s, then bursting again" {
  governor_start
  sleep 0.3
  busy b1 1 '{"org.zone.cpu.baseline": "0.2", "org.zone.cpu.burst": "2", "org.zone.cpu.cooldown": "3"}'
  # half-second samples: [0-2 s] bursting, [2-5 s] held at the baseline, then bursting again
  samples=()
  for i in $(seq 14); do
    read -r _ pct < <(measure 500 b1)
    samples+=("$pct")
  done
  echo "${samples[*]}"
  # about 2 s near a whole core
  for i in 0 1 2; do [ "${samples[$i]}" -ge 85 ]; done
  # then about 3 s at 20 % ± 3: the samples wholly inside the cooldown
  held=0
  for i in $(seq 4 10); do within "${samples[$i]}" 20 3 2>/dev/null && held=$((held + 1)); done
  [ "$held" -ge 5 ]
  [ "$held" -le 7 ]
  # then it may burst again
  [ "${samples[10]}" -ge 85 ] && [ "${samples[11]}" -ge 85 ]
}

@test "zones come and go while the governor runs; SIGKILL leaves sane quotas, and a restart resumes" {
  governor_start
  sleep 0.3
  run "$ZONE_BIN" --root "$ZROOT" governor --once
  [ "$status" -eq 1 ]
  [[ "$output" == *"a governor runs already for"* ]]
  fds0=$(governor_fds)
  # zones made after the governor started are governed: g1 capped, g2 takes the rest
  busy g1 2 '{"org.zone.cpu.cap": "0.5"}'
  busy g2 2
  sleep 1
  fds1=$(governor_fds)
  [ "$fds1" -gt "$fds0" ]
  out=$(measure 2000 g1 g2)
  echo "$out"
  within "$(awk '$1 == "g1" {print $2}' <<< "$out")" 50 5
  [ "$(awk '$1 == "g2" {print $2}' <<< "$out")" -ge 130 ]
  # a deleted zone is let go: its files are closed
  zone delete -f g2
  sleep 0.5
  [ "$(governor_fds)" -lt "$fds1" ]
  kill -9 "$GOV"
  wait "$GOV" 2>/dev/null || true
  GOV=
  q=$(cat "$(cg_dir g1 cpu)/cpu.cfs_quota_us" 2>/dev/null || awk '{print $1}' "$(cg_dir g1 cpu)/cpu.max")
  [ "$q" -le 50000 ] && [ "$q" -ge 1000 ]
  # a new governor takes over the root the killed one held
  governor_start
  sleep 1
  kill -0 "$GOV"
  read -r _ pct < <(measure 2000 g1)
  within "$pct" 50 5
}

@test "governor --once --json reports each zone's use, demand, allocation and burst state; list shows them" {
  busy o1 1 '{"org.zone.cpu.baseline": "0.5", "org.zone.cpu.burst": "5"}'
  run "$ZONE_BIN" --root "$ZROOT" governor --once --json --interval 200ms
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.host > 0 and .intervalMs == 200'
  echo "$output" | jq -e '.zones[0].id == "o1" and .zones[0].usage > 0.5 and .zones[0].baseline == 0.5'
  echo "$output" | jq -e '.zones[0] | has("demand") and has("allocation") and (.burst.budget <= 5)'
  run "$ZONE_BIN" --root "$ZROOT" governor --json
  [ "$status" -eq 1 ]
  governor_start
  sleep 1.5
  run zone list
  [[ "${lines[0]}" == *CPU*ALLOC* ]]
  [[ "${lines[1]}" =~ ^o1.*\ [0-9]+%\ + ]]
}
