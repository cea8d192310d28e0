#!/bin/sh
# fleet boot recovery: run once per boot by fleet-recovery.service (installed by
# `fleet recovery install`, removed by `fleet recovery remove`). POSIX sh; every line it prints goes
# to the journal (journalctl -u fleet-recovery.service -b), and `fleet recovery status` shows them.
#
# 1. wait (back-off, up to FLEET_WAIT_SECONDS) until the listed mounts are mounted and a manager
#    answers on 2377: the network is really up, not just "configured";
# 2. make sure Docker runs;
# 3. wait (up to FLEET_SETTLE_SECONDS) for the swarm state to be `active`; when Docker came up
#    before the network and the node is stuck (pending / error, or a manager that sees itself
#    Down), restart Docker once and wait again.
# It never holds or fetches a join token: a node that left the swarm is reported, and `fleet up`
# (run from the admin machine) re-joins it.
conf=${FLEET_RECOVERY_CONF:-/etc/fleet/recovery.conf}
FLEET_MANAGERS='' FLEET_WAIT_MOUNTS='' FLEET_WAIT_SECONDS=900 FLEET_SETTLE_SECONDS=60 FLEET_BACKOFF_MAX=30
# shellcheck disable=SC1090
[ -r "$conf" ] && . "$conf"
start=$(date +%s)
log() { echo "fleet-recovery: $*"; }
elapsed() { echo $(($(date +%s) - start)); }
delay=1
backoff() {
  sleep "$delay"
  delay=$((delay * 2))
  [ "$delay" -gt "$FLEET_BACKOFF_MAX" ] && delay=$FLEET_BACKOFF_MAX
  return 0
}
waited_out() { [ "$(elapsed)" -ge "$FLEET_WAIT_SECONDS" ]; }

log "boot $(cat /proc/sys/kernel/random/boot_id 2>/dev/null)"
notes=''
for m in $FLEET_WAIT_MOUNTS; do
  delay=1
  until mountpoint -q "$m"; do
    if waited_out; then
      log "warning: $m is still not mounted after $(elapsed)s; going on without it"
      notes="$notes, $m not mounted"
      break
    fi
    backoff
  done
  mountpoint -q "$m" && log "mount $m is up after $(elapsed)s"
done

# A TCP connect to 2377 (nc when it has -z, else bash's /dev/tcp, each bounded by 3 s).
answers() {
  if command -v nc >/dev/null 2>&1 && timeout 4 nc -z -w 3 "$1" 2377 </dev/null >/dev/null 2>&1; then return 0; fi
  command -v bash >/dev/null 2>&1 && timeout 4 bash -c 'exec 3<>"/dev/tcp/$1/2377"' fleet "$1" 2>/dev/null
}
if [ -n "$FLEET_MANAGERS" ]; then
  delay=1
  found=''
  tries=0
  while [ -z "$found" ]; do
    for m in $FLEET_MANAGERS; do
      if answers "$m"; then
        found=$m
        break
      fi
    done
    [ -n "$found" ] && break
    tries=$((tries + 1))
    [ "$tries" = 1 ] && log "no manager answers on 2377 yet ($FLEET_MANAGERS): waiting with back-off"
    if waited_out; then
      log "warning: no manager answered on 2377 within ${FLEET_WAIT_SECONDS}s; checking Docker anyway"
      notes="$notes, no manager answered"
      break
    fi
    backoff
  done
  [ -n "$found" ] && log "manager $found answers on 2377 after $(elapsed)s"
fi

if ! systemctl is-active --quiet docker; then
  log "docker is not running: starting it"
  systemctl start docker || log "warning: systemctl start docker failed"
fi
state() { docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
# Settled: active, and a manager must also see itself Ready (a worker cannot ask the node list).
settled() {
  [ "$(state)" = active ] || return 1
  [ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ] || return 0
  [ "$(docker node inspect self --format '{{.Status.State}}' 2>/dev/null)" = ready ]
}
wait_settled() {
  t0=$(date +%s)
  delay=1
  while :; do
    s=$(state)
    case $s in
      inactive | locked) return 1 ;;
    esac
    settled && return 0
    [ $(($(date +%s) - t0)) -ge "$FLEET_SETTLE_SECONDS" ] && return 1
    backoff
  done
}
if wait_settled; then
  log "result: active swarm member after $(elapsed)s${notes}"
  exit 0
fi
s=$(state)
case $s in
  inactive)
    log "result: not in a swarm (this node left it); no join token is kept here: run fleet up to re-join it${notes}"
    exit 0
    ;;
  locked)
    log "result: the swarm is locked (autolock): unlock it with docker swarm unlock${notes}"
    exit 1
    ;;
  '')
    log "result: Docker does not answer after $(elapsed)s${notes}"
    exit 1
    ;;
esac
log "stuck: swarm state ${s} after ${FLEET_SETTLE_SECONDS}s: restarting Docker once"
systemctl restart docker || log "warning: systemctl restart docker failed"
if wait_settled; then
  log "result: active swarm member after restarting Docker ($(elapsed)s)${notes}"
  exit 0
fi
log "result: still $(state) after one restart of Docker; fleet up repairs it${notes}"
exit 1
