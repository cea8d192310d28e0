# fleet recovery remove, on each node. POSIX sh, run with sudo as
# `sh -c SCRIPT fleet-recovery-remove UNIT SCRIPT CONF`: disable the unit, remove its three files.
unit=$1 script=$2 conf=$3
name=${unit##*/}
if [ -f "$unit" ]; then systemctl disable "$name" >/dev/null 2>&1 || true; fi
rm -f -- "$unit" "$script" "$conf" || exit 1
rmdir -- "${script%/*}" 2>/dev/null
systemctl daemon-reload >/dev/null 2>&1 || true
echo removed
exit 0
