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

# Sampling reads /proc with the shell's own `read` and sets variables (a `$(…)` forks a subshell even
# for builtins): with many hosts on shared cores (and the lab's hosts share this machine's), every
# awk, cat or subshell per host shows up in everyone's wall time. Only df, sleep and the GPU tools
# are separate processes.

# The aggregate cpu line without its label: user nice system idle iowait irq softirq steal …
cpu_sample() { read -r _ cpu </proc/stat 2>/dev/null || cpu=; }

# Per interface (name:rx:tx): the rate is summed over the interfaces present in both samples, since
# interfaces come and go between them (a container's veth, a lab namespace) and a sum would drop.
# Loopback is left out. `set -f`: the counters are split unquoted, never globbed.
net_sample() {
  net=
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    [ "$n" -le 2 ] && continue
    name=${line%%:*}
    name=${name##* }
    [ "$name" = lo ] && continue
    set -- ${line#*:}
    net="$net$name:$1:$9 "
  done </proc/net/dev 2>/dev/null
}

uptime_sample() { read -r up _ </proc/uptime 2>/dev/null || up=; }

# The daemon's data-root from daemon.json when set there (one key per line, as written by hand or
# by tools), else Docker's default.
docker_root() {
  dr=
  if [ -r /etc/docker/daemon.json ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in
        *'"data-root"'*)
          v=${line#*\"data-root\"}
          v=${v#*\"}
          dr=${v%%\"*}
          ;;
      esac
    done </etc/docker/daemon.json
  fi
  dr=${dr:-/var/lib/docker}
}

memory() {
  while read -r key value _; do
    case $key in
      MemTotal:) printf 'mem_total_kb=%s\n' "$value" ;;
      MemAvailable:) printf 'mem_available_kb=%s\n' "$value" ;;
    esac
  done </proc/meminfo 2>/dev/null
}

# `df -P -k`: total and used KiB of the filesystems holding / and the data-root, in one df.
disks() {
  if [ -d "$dr" ]; then set -- / "$dr"; else set -- /; fi
  df -P -k "$@" 2>/dev/null | {
    read -r _
    key=disk_root
    while read -r _ total used _; do
      printf '%s=%s %s\n' "$key" "$total" "$used"
      key=disk_docker
    done
  }
}

gpu() {
  TO=
  if have timeout && timeout 5 true >/dev/null 2>&1; then TO=timeout; fi
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

with_timeout() {
  secs=$1
  shift
  if [ -n "$TO" ]; then timeout "$secs" "$@"; else "$@"; fi
}

# Hottest thermal zone in millidegrees: the fallback when no GPU tool reports a temperature.
thermal() {
  max=
  for f in /sys/class/thermal/thermal_zone*/temp; do
    [ -r "$f" ] || continue
    read -r t <"$f" 2>/dev/null || continue
    case $t in '' | *[!0-9-]*) continue ;; esac
    if [ -z "$max" ] || [ "$t" -gt "$max" ]; then max=$t; fi
  done
  [ -n "$max" ] && printf 'thermal_mc=%s\n' "$max"
  return 0
}

main() {
  set -f
  echo 'metrics.version=1'
  uptime_sample
  cpu_sample
  net_sample
  printf 'uptime1=%s\ncpu1=%s\nnet1=%s\n' "$up" "$cpu" "$net"
  # A GPU tool is slow (nvidia-smi 0.1-0.5 s, one tegrastats interval): it runs during the sampling
  # interval instead of after it. Without one, nothing needs a background job or a temporary file.
  tmp=
  if have nvidia-smi || have tegrastats || [ -r /proc/device-tree/model ]; then
    tmp=${TMPDIR:-/tmp}/fleet-metrics.$$
    gpu >"$tmp" 2>/dev/null &
    bg=$!
  fi
  # Fractions of a second are not POSIX sleep, but GNU, busybox and BSD sleep take them. Two samples
  # 0.1 s apart: 10 clock ticks per CPU, enough for a status screen's whole percent. The interval runs
  # in the background while memory, df and the thermal zones are read (they are not rates), so they
  # add nothing to the probe's time; a sleep that refuses the fraction fails at once: 1 s then.
  sleep 0.1 2>/dev/null &
  sl=$!
  memory
  docker_root
  disks
  printf 'docker_root=%s\n' "$dr"
  thermal
  wait "$sl" || sleep 1
  uptime_sample
  cpu_sample
  net_sample
  printf 'uptime2=%s\ncpu2=%s\nnet2=%s\n' "$up" "$cpu" "$net"
  if [ -n "$tmp" ]; then
    wait "$bg"
    while IFS= read -r line; do printf '%s\n' "$line"; done <"$tmp"
    rm -f "$tmp"
  fi
  echo 'metrics.end=1'
}

main </dev/null
