#!/bin/sh
# fleet host metrics probe (`fleet status`). POSIX sh only, like facts.sh: dash, busybox ash, bash.
# Sent on stdin (`sh -s`), so everything lives in functions and `main` runs with stdin from /dev/null.
#
# Output: one `key=value` per line, framed by `metrics.version=1` … `metrics.end=1`. Raw samples
# (two /proc/stat and /proc/net/dev readings with /proc/uptime around them, one nvidia-smi or
# tegrastats line) are printed as they are: rates and percentages are computed in
# src/core/host-metrics.ts, where they are unit tested against recorded outputs.
# Every probe is guarded: one that fails omits its keys, never aborts the run.

have() { command -v "$1" >/dev/null 2>&1; }

TO=
if have timeout && timeout 5 true >/dev/null 2>&1; then TO=timeout; fi
with_timeout() {
  secs=$1
  shift
  if [ -n "$TO" ]; then timeout "$secs" "$@"; else "$@"; fi
}

# The aggregate cpu line without its label: user nice system idle iowait irq softirq steal.
cpu_sample() { awk '$1 == "cpu" { $1 = ""; sub(/^ /, ""); print; exit }' /proc/stat 2>/dev/null; }

# Received and sent bytes summed over every interface but loopback.
net_sample() {
  # Per interface (name:rx:tx): the rate is summed over the interfaces present in both samples, since
  # interfaces come and go between them (a container's veth, a lab namespace) and a sum would drop.
  awk -F'[: ]+' 'NR > 2 { sub(/^ +/, ""); if ($1 != "lo") printf "%s:%.0f:%.0f ", $1, $2, $10 } END { print "" }' \
    /proc/net/dev 2>/dev/null
}

uptime_sample() { awk '{ print $1; exit }' /proc/uptime 2>/dev/null; }

# The daemon's data-root from daemon.json when set there, else Docker's default.
docker_root() {
  root=
  if [ -r /etc/docker/daemon.json ]; then
    root=$(tr -d '\n' </etc/docker/daemon.json | sed -n 's/.*"data-root"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
  fi
  printf '%s\n' "${root:-/var/lib/docker}"
}

# `df -P -k DIR`: total and used KiB of the filesystem holding DIR.
disk() {
  [ -d "$2" ] || return 0
  df -P -k "$2" 2>/dev/null | awk -v k="$1" 'NR == 2 { printf "%s=%s %s\n", k, $2, $3 }'
}

gpu() {
  if have nvidia-smi; then
    with_timeout 4 nvidia-smi --query-gpu=name,utilization.gpu,temperature.gpu,memory.used,memory.total \
      --format=csv,noheader,nounits 2>/dev/null | while IFS= read -r line; do
      [ -n "$line" ] && printf 'nvidia_smi=%s\n' "$line"
    done
  elif have tegrastats; then
    # One sample: tegrastats prints every --interval ms until killed; head ends it after the first.
    line=$(with_timeout 3 tegrastats --interval 200 2>/dev/null | head -n 1)
    [ -n "$line" ] && printf 'tegrastats=%s\n' "$line"
  fi
  if [ -r /proc/device-tree/model ]; then
    printf 'model=%s\n' "$(tr -d '\0' </proc/device-tree/model | head -n 1)"
  fi
}

# Hottest thermal zone in millidegrees: the fallback when no GPU tool reports a temperature.
thermal() {
  max=
  for f in /sys/class/thermal/thermal_zone*/temp; do
    [ -r "$f" ] || continue
    t=$(cat "$f" 2>/dev/null) || continue
    case $t in '' | *[!0-9-]*) continue ;; esac
    if [ -z "$max" ] || [ "$t" -gt "$max" ]; then max=$t; fi
  done
  [ -n "$max" ] && printf 'thermal_mc=%s\n' "$max"
  return 0
}

containers() {
  have docker || return 0
  # Only a clean exit counts: without access to the engine `docker ps` prints nothing and fails.
  ids=$(with_timeout 3 docker ps -q 2>/dev/null) || return 0
  printf 'containers_running=%s\n' "$(printf '%s' "$ids" | grep -c .)"
}

main() {
  echo 'metrics.version=1'
  printf 'uptime1=%s\ncpu1=%s\nnet1=%s\n' "$(uptime_sample)" "$(cpu_sample)" "$(net_sample)"
  # The slow probes run during the sampling interval instead of after it.
  tmp=${TMPDIR:-/tmp}/fleet-metrics.$$
  { gpu; containers; } >"$tmp" 2>/dev/null &
  bg=$!
  # Fractions of a second are not POSIX sleep, but GNU, busybox and BSD sleep take them.
  sleep 0.3 2>/dev/null || sleep 1
  printf 'uptime2=%s\ncpu2=%s\nnet2=%s\n' "$(uptime_sample)" "$(cpu_sample)" "$(net_sample)"
  awk '/^MemTotal:/ { print "mem_total_kb=" $2 } /^MemAvailable:/ { print "mem_available_kb=" $2 }' /proc/meminfo 2>/dev/null
  disk disk_root /
  dr=$(docker_root)
  printf 'docker_root=%s\n' "$dr"
  disk disk_docker "$dr"
  thermal
  wait "$bg"
  cat "$tmp" 2>/dev/null
  rm -f "$tmp"
  echo 'metrics.end=1'
}

main </dev/null
