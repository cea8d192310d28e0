# fleet clean, the host's own part. POSIX sh, run (with sudo) as `sh -c SCRIPT fleet-clean MODE SIZE`.
# MODE scan: report only; apply: remove old fleet temp files and, when SIZE is given, vacuum the
# journal to SIZE (journalctl --vacuum-size). Never truncates logs or empties /tmp.
# stdout: `journal <disk-usage line>`, `temp <bytes> <path>` per old fleet temp file (older than a
# day: a crashed backup job's /var/tmp/fleet-swarm-backup.*, a metrics sample's /tmp/fleet-metrics.*),
# then after apply `journal-after <disk-usage line>`.
mode=$1 size=$2
usage() { journalctl --disk-usage 2>/dev/null | tail -n 1; }
echo "journal $(usage)"
for d in /tmp /var/tmp; do
  find "$d" -maxdepth 1 -name 'fleet-*' -mmin +1440 2>/dev/null | while IFS= read -r f; do
    echo "temp $(du -sk -- "$f" 2>/dev/null | cut -f1) $f"
    [ "$mode" = apply ] && rm -rf -- "$f"
  done
done
if [ "$mode" = apply ] && [ -n "$size" ]; then
  journalctl --vacuum-size="$size" >/dev/null 2>&1 || echo "warning journalctl --vacuum-size=$size failed"
  echo "journal-after $(usage)"
fi
exit 0
