#!/bin/sh
# Installs the Debian/Ubuntu packages fleet's lab, tests and benchmarks need, when missing.
# Idempotent: does nothing (and no apt-get update) when everything is present. Run as root.
# The lab starts its own sshd/dockerd per host; the machine's own ssh/docker services are not needed.
set -eu

fail() {
  echo "install-system-deps: $*" >&2
  exit 1
}

# package:command pairs; a package is missing when its command is not found.
PKGS="
docker.io:dockerd
containerd:containerd
runc:runc
tini:tini
openssh-server:sshd
openssh-client:ssh
iproute2:ip
util-linux:nsenter
util-linux:unshare
mount:mount
passwd:chpasswd
sudo:sudo
pdsh:pdsh
clustershell:clush
pssh:parallel-ssh
procps:ps
psmisc:killall
time:/usr/bin/time
busybox:busybox
systemd:systemd-analyze
chromium:/usr/bin/chromium
qemu-user-static:qemu-aarch64-static
libc6-arm64-cross:/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
libstdc++6-arm64-cross:/usr/aarch64-linux-gnu/lib/libstdc++.so.6
"

have() {
  case "$1" in
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;;
  esac
}

missing=""
for pair in $PKGS; do
  pkg=${pair%%:*}
  cmd=${pair#*:}
  if ! have "$cmd"; then
    case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
  fi
done

if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || fail "need root to install:$missing (re-run with sudo)"
  command -v apt-get >/dev/null 2>&1 || fail "no apt-get: install$missing with your package manager"
  export DEBIAN_FRONTEND=noninteractive
  echo "install-system-deps: installing$missing"
  # shellcheck disable=SC2086
  if ! apt-get install -y --no-install-recommends $missing >/tmp/install-system-deps.log 2>&1; then
    apt-get update >>/tmp/install-system-deps.log 2>&1 || fail "apt-get update failed (see /tmp/install-system-deps.log)"
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $missing >>/tmp/install-system-deps.log 2>&1 ||
      fail "apt-get install$missing failed (see /tmp/install-system-deps.log)"
  fi
  echo "install-system-deps: installed$missing"
else
  echo "install-system-deps: all present (docker.io openssh-server iproute2 util-linux tini sudo busybox pdsh clustershell pssh procps psmisc)"
fi

# The lab needs these kernel features; say which one is missing rather than failing later.
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || fail "kernel lacks overlayfs (needed for per-host /etc)"
ip link add fl-depsprobe type bridge 2>/dev/null && ip link del fl-depsprobe ||
  fail "cannot create a bridge (need root and CAP_NET_ADMIN)"

# Docker's and OpenSSH's own services are not used (no systemd here; the lab runs one sshd and one
# dockerd per host). The lab itself installs /etc/ssh/ssh_config.d/fleet-lab.conf (see test/lab/keys.ts).
echo "install-system-deps: ok"
