#!/bin/sh
# fleet facts probe. POSIX sh only: runs unchanged under dash, busybox ash and bash on Ubuntu 18.04
# (Jetson, L4T R32), Ubuntu 24.04 / DGX OS, Raspberry Pi OS and generic Linux, as root or not.
#
# Sent on stdin (`sh -s`), so everything lives in functions and `main` runs with stdin from /dev/null:
# a child that read stdin would otherwise swallow the rest of this script.
#
# Output: one `key=value` per line; in values a backslash is written `\\` and a newline `\n`.
# The first line is `facts.version=1`, the last `facts.end=1` (a missing end means truncated output).
# Every probe is guarded: a failing probe omits its keys (or reports `*.error`), never aborts the run.
# Slow probes (docker, nvidia-smi, clock) run in the background at the same time.
#
# Argument `--docker-from-api`: the caller reads the Docker engine through its Engine API anyway
# (`fleet up`'s GET /info on the same connection), so the two docker CLI runs (a Go binary start
# and daemon requests each) are skipped: `docker.status=deferred`, and the disk probe looks at the
# configured Docker root (daemon.json or the default). The caller fills the docker facts from /info
# and probes again without the argument when the engine's root differs.

NL='
'

emit() {
  [ -n "$2" ] || return 0
  case $2 in
    *\\* | *"$NL"*)
      printf '%s=' "$1"
      printf '%s' "$2" | tr -d '\r' | sed 's/\\/\\\\/g' | awk 'NR > 1 { printf "%s", "\\n" } { printf "%s", $0 }'
      printf '\n'
      ;;
    *) printf '%s=%s\n' "$1" "$2" ;;
  esac
}

have() { command -v "$1" >/dev/null 2>&1; }

# First line of a file without its NUL bytes (device-tree strings end in NUL), or nothing.
read_file() { [ -r "$1" ] && tr -d '\0' <"$1" 2>/dev/null | head -n 1; }

# Guard against hung daemons (dockerd, nvidia driver): `timeout` where it works, else run plainly.
TO=
setup_timeout() {
  if have timeout && timeout 5 true >/dev/null 2>&1; then TO=timeout; fi
}
with_timeout() {
  secs=$1
  shift
  if [ -n "$TO" ]; then timeout "$secs" "$@"; else "$@"; fi
}

probe_os() {
  emit hostname "$(hostname 2>/dev/null || read_file /proc/sys/kernel/hostname)"
  emit arch "$(uname -m 2>/dev/null)"
  emit kernel "$(uname -r 2>/dev/null)"
  if [ -r /etc/os-release ]; then
    # Sourced in a subshell: os-release is a sh-compatible assignment list by specification.
    # shellcheck disable=SC1091
    (
      . /etc/os-release 2>/dev/null || exit 0
      emit os.id "$ID"
      emit os.name "${PRETTY_NAME:-$NAME}"
      emit os.version "$VERSION_ID"
      emit os.codename "$VERSION_CODENAME"
    )
  fi
  emit user.name "$(id -un 2>/dev/null)"
  emit user.uid "$(id -u 2>/dev/null)"
}

probe_cpu_mem() {
  if [ -r /proc/cpuinfo ]; then
    # x86 has `model name`; arm64 kernels only give implementer/part codes (mapped on the TS side).
    awk -F ': *' '
      /^processor[ \t]*:/ { n++ }
      /^model name[ \t]*:/ && model == "" { model = $2 }
      /^CPU implementer[ \t]*:/ { impl = $2 }
      /^CPU part[ \t]*:/ { key = impl ":" $2; if (!(key in seen)) { seen[key] = 1; parts = parts (parts == "" ? "" : ",") key } }
      END {
        if (n > 0) print "cpu.cores=" n
        if (model != "") print "cpu.model=" model
        if (parts != "") print "cpu.parts=" parts
      }' /proc/cpuinfo 2>/dev/null
  fi
  emit cpu.present "$(read_file /sys/devices/system/cpu/present)"
  [ -r /proc/meminfo ] && awk '/^MemTotal:/ { print "mem.total_kb=" $2; exit }' /proc/meminfo 2>/dev/null
}

probe_board() {
  model=$(read_file /proc/device-tree/model)
  [ -n "$model" ] || model=$(read_file /sys/firmware/devicetree/base/model)
  emit board.model "$model"
  # compatible is a NUL-separated list of "vendor,device" strings: join with spaces.
  compat=
  for f in /proc/device-tree/compatible /sys/firmware/devicetree/base/compatible; do
    if [ -r "$f" ]; then
      compat=$(tr '\0' ' ' <"$f" 2>/dev/null | sed 's/ *$//')
      break
    fi
  done
  emit board.compatible "$compat"
  emit dmi.vendor "$(read_file /sys/class/dmi/id/sys_vendor)"
  emit dmi.product "$(read_file /sys/class/dmi/id/product_name)"
  if [ -r /etc/nv_tegra_release ]; then
    # "# R32 (release), REVISION: 7.4, GCID: 33514132, BOARD: t186ref, EABI: aarch64, DATE: ..."
    line=$(head -n 1 /etc/nv_tegra_release 2>/dev/null)
    major=$(printf '%s\n' "$line" | sed -n 's/^# *\(R[0-9][0-9]*\) (release).*/\1/p')
    rev=$(printf '%s\n' "$line" | sed -n 's/.*REVISION: *\([0-9.]*\).*/\1/p')
    if [ -n "$major" ]; then emit l4t.release "$major${rev:+.$rev}"; else emit l4t.release "$line"; fi
    emit l4t.board "$(printf '%s\n' "$line" | sed -n 's/.*BOARD: *\([^,]*\).*/\1/p')"
  fi
  if [ -r /etc/dgx-release ]; then
    # DGX OS: shell assignments like os-release (DGX_PRETTY_NAME="DGX Spark", DGX_SWBUILD_VERSION=...).
    # shellcheck disable=SC1091
    (
      . /etc/dgx-release 2>/dev/null || exit 0
      emit dgx.name "${DGX_PRETTY_NAME:-$DGX_NAME}"
      emit dgx.version "$DGX_SWBUILD_VERSION"
    )
  fi
}

# Docker root from daemon.json when the daemon cannot be asked (stopped, or no permission).
configured_docker_root() {
  f=/etc/docker/daemon.json
  root=
  [ -r "$f" ] && root=$(sed -n -e 's/.*"data-root"[ \t]*:[ \t]*"\([^"]*\)".*/\1/p' \
    -e 's/.*"graph"[ \t]*:[ \t]*"\([^"]*\)".*/\1/p' "$f" 2>/dev/null | head -n 1)
  printf '%s\n' "${root:-/var/lib/docker}"
}

# Block device (whole disk, e.g. nvme0n1, mmcblk0, sda) holding a path, via its device number:
# works for /dev/root (Jetson, Pi) and follows device-mapper/LVM down to the first physical disk.
disk_of() {
  p=$1
  while [ ! -e "$p" ] && [ "$p" != / ]; do p=$(dirname "$p"); done
  dev=$(stat -c %d "$p" 2>/dev/null) || return 0
  [ -n "$dev" ] || return 0
  maj=$(( (dev >> 8) & 0xfff ))
  min=$(( (dev & 0xff) | ( (dev >> 12) & 0xfff00) ))
  sys=/sys/dev/block/$maj:$min
  if [ ! -e "$sys" ]; then
    # btrfs and overlay report anonymous device numbers: fall back to the mount source.
    src=$(df -P "$p" 2>/dev/null | awk 'NR == 2 { print $1 }')
    name=${src##*/}
    [ -n "$name" ] && [ -e "/sys/class/block/$name" ] || return 0
    sys=/sys/class/block/$name
  fi
  i=0
  while [ $i -lt 4 ]; do
    i=$((i + 1))
    real=$(cd -P "$sys" 2>/dev/null && pwd -P)
    [ -n "$real" ] || return 0
    name=${real##*/}
    case $name in dm-* | md*)
      for slave in "$real"/slaves/*; do
        [ -e "$slave" ] || break
        sys=/sys/class/block/${slave##*/}
        continue 2
      done
      ;;
    esac
    if [ -e "$real/partition" ]; then
      parent=${real%/*}
      name=${parent##*/}
    fi
    printf '%s\n' "$name"
    return 0
  done
}

probe_disk() {
  root=$1
  emit docker.root "$root"
  disk=$(disk_of "$root")
  if [ -n "$disk" ]; then
    emit disk.device "$disk"
    rot=$(read_file "/sys/block/$disk/queue/rotational")
    emit disk.rotational "$rot"
    case $disk in
      nvme*) kind=nvme ;;
      mmcblk*) kind=sd-emmc ;;
      # virtio/xen disks claim rotational=1 whatever backs them: only trust a 0.
      vd* | xvd*) case $rot in 0) kind=ssd ;; *) kind=unknown ;; esac ;;
      *) case $rot in 0) kind=ssd ;; 1) kind=hdd ;; *) kind=unknown ;; esac ;;
    esac
    emit disk.kind "$kind"
    sectors=$(read_file "/sys/block/$disk/size")
    case $sectors in '' | *[!0-9]*) ;; *) emit disk.size_bytes "$((sectors * 512))" ;; esac
  else
    emit disk.kind unknown
  fi
  p=$root
  while [ ! -e "$p" ] && [ "$p" != / ]; do p=$(dirname "$p"); done
  df -P -k "$p" 2>/dev/null | awk 'NR == 2 && $4 ~ /^[0-9]+$/ { print "disk.avail_kb=" $4 }'
}

probe_link() {
  [ -r /proc/net/route ] || return 0
  iface=
  best=
  # Default route with the lowest metric; header line has a non-hex destination and is skipped.
  while read -r ifc dst _gw _fl _rc _use metric _rest; do
    [ "$dst" = 00000000 ] || continue
    if [ -z "$best" ] || [ "$metric" -lt "$best" ] 2>/dev/null; then
      best=$metric
      iface=$ifc
    fi
  done </proc/net/route
  [ -n "$iface" ] || return 0
  emit net.iface "$iface"
  if [ -e "/sys/class/net/$iface/wireless" ] || [ -e "/sys/class/net/$iface/phy80211" ]; then
    emit net.wireless true
  fi
  speed=$(read_file "/sys/class/net/$iface/speed")
  if [ -z "$speed" ] && [ -d "/sys/class/net/$iface/brif" ]; then
    # A bridge has no speed of its own: report its fastest member port.
    for port in /sys/class/net/"$iface"/brif/*; do
      s=$(read_file "/sys/class/net/${port##*/}/speed")
      case $s in '' | -* | *[!0-9]*) continue ;; esac
      if [ -z "$speed" ] || [ "$s" -gt "$speed" ]; then speed=$s; fi
    done
  fi
  case $speed in '' | -* | *[!0-9]*) ;; *) emit net.speed_mbps "$speed" ;; esac
}

job_docker_info() {
  if ! have docker; then
    emit docker.status absent
    emit docker.root "$(configured_docker_root)"
    return 0
  fi
  tpl='OK|{{.ServerVersion}}|{{.DockerRootDir}}|{{.Swarm.LocalNodeState}}|{{.Swarm.NodeID}}|{{.Swarm.ControlAvailable}}|{{with .Swarm.Cluster}}{{.ID}}{{end}}|{{.Swarm.NodeAddr}}'
  out=$(with_timeout 5 docker info -f "$tpl" 2>&1)
  rc=$?
  ok=$(printf '%s\n' "$out" | grep '^OK|[^|]' | head -n 1)
  if [ -n "$ok" ]; then
    IFS='|' read -r _ version root state node control cluster addr <<EOF
$ok
EOF
    emit docker.status ok
    emit docker.version "$version"
    emit docker.root "$root"
    emit docker.swarm.state "$state"
    emit docker.swarm.node_id "$node"
    emit docker.swarm.cluster_id "$cluster"
    emit docker.swarm.node_addr "$addr"
    if [ -n "$node" ]; then
      case $control in true) emit docker.swarm.role manager ;; *) emit docker.swarm.role worker ;; esac
    fi
    return 0
  fi
  # The CLI may print config warnings first; the daemon error is the first other line.
  msg=$(printf '%s\n' "$out" | grep -v -e '^OK|' -e '^WARNING' -e '^[[:space:]]*$' | head -n 1)
  case $rc:$msg in
    124:*) status=timeout ;;
    *[Pp]ermission\ denied*) status=permission-denied ;;
    *"Cannot connect"* | *"daemon running"* | *"connection refused"* | *"no such file"*) status=unreachable ;;
    *) status=error ;;
  esac
  emit docker.status "$status"
  emit docker.error "$msg"
  emit docker.root "$(configured_docker_root)"
  emit docker.client_version "$(with_timeout 3 docker version -f '{{.Client.Version}}' 2>/dev/null | head -n 1)"
}

job_docker_api() {
  have docker || return 0
  # Without a daemon `docker version` still prints and exits 1: only trust a clean exit.
  v=$(with_timeout 5 docker version -f '{{.Server.APIVersion}}' 2>/dev/null) || return 0
  v=$(printf '%s\n' "$v" | head -n 1)
  case $v in [0-9]*.[0-9]*) emit docker.api_version "$v" ;; esac
}

job_gpu() {
  have nvidia-smi || return 0
  out=$(with_timeout 5 nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    emit gpu.error "$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | head -n 1)"
    return 0
  fi
  n=0
  while IFS=, read -r name mem drv; do
    [ -n "$name" ] || continue
    # csv fields are separated by ", ": strip the leading blanks.
    emit "gpu.$n.name" "$name"
    emit "gpu.$n.memory" "${mem# }"
    emit "gpu.$n.driver" "${drv# }"
    n=$((n + 1))
  done <<EOF
$out
EOF
  emit gpu.count "$n"
}

job_clock() {
  if have chronyc && { [ -S /run/chrony/chronyd.sock ] || [ -e /run/chrony/chronyd.pid ] || [ -e /var/run/chronyd.pid ]; }; then
    # "System time : 0.000012 seconds fast of NTP time": fast = local clock ahead = positive offset.
    out=$(with_timeout 2 chronyc -n tracking 2>/dev/null)
    if [ -n "$out" ]; then
      printf '%s\n' "$out" | awk -F ': *' '
        /^System time/ { split($2, a, " "); o = a[1] + 0; if (a[3] == "slow") o = -o; printf "clock.offset_seconds=%.6f\n", o }
        /^Leap status/ { print "clock.synced=" ($2 ~ /Not/ ? "no" : "yes") }'
      emit clock.source chrony
      return 0
    fi
  fi
  have timedatectl || return 0
  st=$(with_timeout 2 timedatectl status 2>/dev/null)
  [ -n "$st" ] || return 0
  # systemd >= 239 says "System clock synchronized", 18.04 (237) too; older ones "NTP synchronized".
  printf '%s\n' "$st" | awk -F ': *' '/(System clock|NTP) synchronized/ { print "clock.synced=" $2; exit }'
  ts=$(with_timeout 2 timedatectl timesync-status 2>/dev/null)
  if [ -n "$ts" ]; then
    printf '%s\n' "$ts" | awk -F ': *' '
      /^ *Offset:/ {
        v = $2; unit = v; sub(/^[-+0-9.]+/, "", unit); n = v + 0
        if (unit == "us") n /= 1e6; else if (unit == "ms") n /= 1e3; else if (unit == "min") n *= 60
        printf "clock.offset_seconds=%.6f\n", n
      }'
    emit clock.source timesyncd
  fi
}

# Instead of the docker CLI probes, with --docker-from-api.
job_docker_deferred() {
  emit docker.status deferred
  emit docker.root "$(configured_docker_root)"
}

main() {
  from_api=
  [ "${1:-}" = --docker-from-api ] && from_api=1
  printf 'facts.version=1\n'
  emit epoch "$(date +%s 2>/dev/null)"
  setup_timeout
  T=$(mktemp -d 2>/dev/null || mktemp -d -t fleetfacts.XXXXXX 2>/dev/null)
  if [ -n "$T" ] && [ -d "$T" ]; then
    if [ -n "$from_api" ]; then
      job_docker_deferred >"$T/docker" 2>/dev/null
    else
      job_docker_info >"$T/docker" 2>/dev/null &
      job_docker_api >"$T/api" 2>/dev/null &
    fi
    job_gpu >"$T/gpu" 2>/dev/null &
    job_clock >"$T/clock" 2>/dev/null &
  fi
  probe_os 2>/dev/null
  probe_cpu_mem 2>/dev/null
  probe_board 2>/dev/null
  probe_link 2>/dev/null
  if [ -n "$T" ] && [ -d "$T" ]; then
    wait
    docker=$(cat "$T/docker" "$T/api" 2>/dev/null)
    rest=$(cat "$T/gpu" "$T/clock" 2>/dev/null)
    rm -rf "$T"
  else
    if [ -n "$from_api" ]; then
      docker=$(job_docker_deferred 2>/dev/null)
    else
      docker=$(job_docker_info 2>/dev/null; job_docker_api 2>/dev/null)
    fi
    rest=$(job_gpu 2>/dev/null; job_clock 2>/dev/null)
  fi
  # docker.root is printed by probe_disk, next to the disk it lives on.
  [ -n "$docker" ] && printf '%s\n' "$docker" | grep -v '^docker\.root='
  root=$(printf '%s\n' "$docker" | sed -n 's/^docker\.root=//p' | head -n 1)
  probe_disk "${root:-/var/lib/docker}" 2>/dev/null
  [ -n "$rest" ] && printf '%s\n' "$rest"
  printf 'facts.end=1\n'
}

main "$@" </dev/null
