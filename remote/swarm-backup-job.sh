# fleet's swarm backup job: stop Docker -> archive /var/lib/docker/swarm -> start Docker, detached from
# the SSH session that launched it (own session via setsid, stdin/stdout/stderr not on the channel), so
# a client killed with -9 or a dropped link never leaves the engine stopped. The client reads the state
# lines and fetches the archive afterwards.
#
# Arguments: DIR LAUNCHER_PID DEADLINE_SECONDS TAR_Z_FLAG ('z' or '') LOCK_DIR LOCK_FILE.
# stdin: one line, the swarm unlock key or empty (read with the shell builtin; never in argv or a file).
# DIR is a 0700 root folder (mktemp -d); everything here is created under umask 077 (files 0600).
# While Docker is stopped the job holds `flock -x` on the job lock file,
# released only once the engine answers again, so no other fleet run takes over the host meanwhile.
# The lock paths come from src/core/remote-locks.ts (LOCK_DIR, LOCK_FILE).
set -u
dir=$1
printf 'pid %s\n' "$$" >>"$dir/state"
launcher=$2
deadline=$3
z=$4
lockdir=$5
lock=$6
key=
IFS= read -r key || true
exec </dev/null
umask 077
stopped=0
restarted=0

state() { printf '%s\n' "$*" >>"$dir/state"; }

# fd 9 (the lock) is closed for everything that could outlive the job: a dockerd started from here
# must not inherit the lock and hold it forever.
start_docker() {
  [ "$stopped" = 1 ] && [ "$restarted" = 0 ] || return 0
  restarted=1
  n=0
  until timeout 120 systemctl start docker 9>&-; do
    n=$((n + 1))
    [ $n -ge 5 ] && break
    systemctl reset-failed docker >/dev/null 2>&1 9>&-
    sleep 2
  done
  i=0
  until timeout 10 docker info >/dev/null 2>&1 9>&-; do
    i=$((i + 1))
    [ $i -ge 120 ] && break
    sleep 1
  done
  # An autolocked manager comes back locked; unlock it here so it rejoins even when the client is gone.
  if [ -n "$key" ] && [ "$(timeout 10 docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null 9>&-)" = locked ]; then
    if printf '%s\n' "$key" | timeout 60 docker swarm unlock >/dev/null 2>&1 9>&-; then state unlocked; fi
  fi
  key=
  if timeout 10 docker info >/dev/null 2>&1 9>&-; then state "started 0"; else state "started 1"; fi
  flock -u 9
}

finish() {
  start_docker
  if [ -f "$dir/swarm.tar" ]; then
    state "archived $(wc -c <"$dir/swarm.tar") $(sha256sum "$dir/swarm.tar" | cut -d' ' -f1)"
  fi
  state done
  # Keep the archive until the client has collected it (it ends the launcher then), at most 10 min.
  i=0
  while kill -0 "$launcher" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 1
    i=$((i + 1))
  done
  rm -rf "$dir"
}
trap finish EXIT
trap 'exit 143' HUP INT TERM

if [ ! -d "$lockdir" ]; then
  mkdir -p "$lockdir" && chmod 1777 "$lockdir"
fi
# The lock file is readable by all (0644): flock needs only a read descriptor to test it.
(umask 022 && : >>"$lock")
exec 9<"$lock"
if ! flock -x -w 10 9; then
  state "busy"
  exit 75
fi
state locked
# From here on, whatever happens, the EXIT trap starts Docker again.
stopped=1
# `systemctl stop docker` also stops docker.socket, so no API call socket-activates it mid-archive.
timeout 60 systemctl stop docker.socket >/dev/null 2>&1 9>&-
if ! timeout 120 systemctl stop docker 9>&-; then
  state "stop-failed"
  exit 1
fi
state stopped
timeout -k 5 "$deadline" tar -C /var/lib/docker -c${z}f "$dir/swarm.tar" swarm 9>&-
rc=$?
if [ $rc -ne 0 ]; then
  rm -f "$dir/swarm.tar"
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then state "archive-timeout $deadline"; else state "archive-failed $rc"; fi
fi
exit 0
