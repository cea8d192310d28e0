# fleet bootstrap, step 1 on each host: what the host has, as `key=value` lines (values on one line;
# daemon.json as base64 so any content survives). POSIX sh, run as the login user (no sudo): every
# file it reads is world-readable on Debian/Ubuntu/JetPack. Read-only. Arguments: the --nfs mount
# points, each reported as `mounted=PATH` when something is mounted there.
PATH=$PATH:/usr/sbin:/sbin
have() { command -v "$1" >/dev/null 2>&1; }
echo "uid=$(id -u)"
echo "user=$(id -un)"
. /etc/os-release 2>/dev/null && echo "os=${ID:-unknown} ${VERSION_ID:-}"
have apt-get && echo "apt=1"
have dpkg-query && echo "pkg.docker.io=$(dpkg-query -W -f='${db:Status-Abbrev}' docker.io 2>/dev/null | tr -d ' ')"
have dockerd && echo "dockerd=$(command -v dockerd)"
have docker && echo "docker_cli=1"
if have systemctl; then
  echo "docker.active=$(systemctl is-active docker 2>/dev/null | head -n 1)"
  echo "docker.enabled=$(systemctl is-enabled docker 2>/dev/null | head -n 1)"
fi
have nvidia-container-runtime && echo "nvidia_runtime=$(command -v nvidia-container-runtime)"
if have nvidia-smi && nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu=$(nvidia-smi -L 2>/dev/null | head -n 1)"
elif [ -r /etc/nv_tegra_release ]; then
  echo "gpu=jetson $(head -n 1 /etc/nv_tegra_release | cut -c1-60)"
fi
getent group docker >/dev/null 2>&1 && echo "group.docker=1"
case " $(id -Gn 2>/dev/null) " in *" docker "*) echo "user.in_docker=1" ;; esac
if [ -e /etc/docker/daemon.json ]; then
  if [ -r /etc/docker/daemon.json ]; then
    echo "daemon_json=$(base64 </etc/docker/daemon.json | tr -d '\n')"
  else
    echo "daemon_json.unreadable=1"
  fi
fi
[ -r /etc/fstab ] && echo "fstab=$(base64 </etc/fstab | tr -d '\n')"
have mount.nfs && echo "mount_nfs=1"
for m in "$@"; do
  # Bounded: mountpoint on a hung NFS mount can block.
  if have timeout; then timeout 10 mountpoint -q "$m" 2>/dev/null && echo "mounted=$m"; else mountpoint -q "$m" 2>/dev/null && echo "mounted=$m"; fi
done
exit 0
