# fleet recovery status, on each node. POSIX sh, run as `sh -c SCRIPT fleet-recovery-status UNIT SCRIPT CONF`.
# stdout: `unit-sha`, `script-sha` (or -), `enabled` (systemctl is-enabled), `swarm` (Docker's
# LocalNodeState), then `--journal--` and the unit's journal lines of the current boot.
unit=$1 script=$2 conf=$3
name=${unit##*/}
sum() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo -; fi; }
echo "unit-sha $(sum "$unit")"
echo "script-sha $(sum "$script")"
echo "conf-present $([ -f "$conf" ] && echo yes || echo no)"
echo "enabled $(systemctl is-enabled "$name" 2>/dev/null || true)"
echo "swarm $(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || true)"
echo "--journal--"
journalctl -b -u "$name" -o cat --no-pager -n 200 2>/dev/null || true
exit 0
