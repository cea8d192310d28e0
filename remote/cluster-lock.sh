#!/bin/sh
# fleet's cluster lock on one host. POSIX sh (dash, busybox ash, bash), as root or not.
# Run as `sh -c <this> fleet-lock DIR LOCK JOB IDLE [SCRIPT [ARG…]]` (src/adapters/ssh/cluster-lock.ts).
#
# One attempt, no waiting here (the client retries, so Ctrl-C never waits on a remote loop):
#   stdout `fleet-lock held`                 the lock is ours until stdin ends
#   stdout `fleet-lock busy cluster` + lines `holder <remote pid> <json>` of the live holder(s)
#   stdout `fleet-lock busy job` + the job lock's first line (a detached backup job runs)
#   stdout `fleet-lock error <why>`          cannot lock here (no flock, unwritable lock folder)
# With SCRIPT (read-only, e.g. facts.sh), once held: SCRIPT's stdout, then `fleet-lock also-run-end
# <exit code>`, in this same shell session (the caller saves a login-shell start per host).
# stdin: line 1 the holder's description (one JSON line, no secrets), then a heartbeat line every few
# seconds. EOF (fleet exited, was killed, its connection closed) or IDLE seconds without a heartbeat
# (the link is cut) ends the script: the kernel drops the flock with its last descriptor.
#
# The lock folder is world-writable and sticky (1777) so that every SSH user can lock. Files another
# user created there are opened read-only and without O_CREAT: flock needs no write access, and
# fs.protected_regular refuses O_CREAT on other users' files in sticky folders. Holder descriptions
# are one file per uid for the same reason.

dir=$1
lock=$2
job=$3
idle=$4
also=${5:-}
# What is left after SCRIPT: its arguments.
if [ $# -gt 5 ]; then shift 5; else set --; fi

say() { printf 'fleet-lock %s\n' "$*"; }

command -v flock >/dev/null 2>&1 || { say error "flock is not installed (util-linux)"; exit 0; }
IFS= read -r info || exit 0

if [ ! -d "$dir" ]; then
  mkdir -p -m 1777 "$dir" 2>/dev/null || [ -d "$dir" ] ||
    { say error "cannot create $dir"; exit 0; }
fi
[ -e "$lock" ] || (umask 022 && : >>"$lock") 2>/dev/null
[ -r "$lock" ] || { say error "cannot read $lock"; exit 0; }
exec 9<"$lock"

# Live holders: one file per uid, kept only while the pid it names is alive.
holders() {
  for f in "$lock".holder.*; do
    [ -r "$f" ] || continue
    read -r pid rest <"$f" || continue
    [ -n "$pid" ] && [ -d "/proc/$pid" ] && printf 'holder %s %s\n' "$pid" "$rest"
  done
  return 0
}

if ! flock -n 9; then
  say busy cluster
  holders
  exit 0
fi

# A detached job (a swarm backup's stop -> archive -> start) holds the job lock until Docker runs again.
if [ -r "$job" ]; then
  exec 8<"$job"
  if ! flock -n 8; then
    say busy job
    head -n 1 "$job" 2>/dev/null
    exit 0
  fi
  exec 8<&-
fi

mine="$lock.holder.$(id -u)"
printf '%s %s\n' "$$" "$info" >"$mine.tmp" 2>/dev/null && mv -f "$mine.tmp" "$mine" 2>/dev/null
say held

if [ -n "$also" ]; then
  # No stdin (that is the heartbeat), no stderr (a failure is run again on its own), no lock
  # descriptor; bounded, so a hung command cannot keep this script from noticing that fleet is gone.
  if command -v timeout >/dev/null 2>&1; then
    timeout 60 sh -c "$also" fleet-also-run "$@" </dev/null 2>/dev/null 9<&-
  else
    sh -c "$also" fleet-also-run "$@" </dev/null 2>/dev/null 9<&-
  fi
  say "also-run-end $?"
fi

if command -v timeout >/dev/null 2>&1; then
  # `head -n 1` prints nothing at EOF and is killed (124) after IDLE seconds without a heartbeat.
  # Children get no copy of the lock descriptor, so none of them can outlive the script holding it.
  while beat=$(timeout "$idle" head -n 1 9<&-) && [ -n "$beat" ]; do :; done
else
  cat >/dev/null 9<&-
fi
rm -f "$mine"
exit 0
