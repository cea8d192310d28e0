#!/usr/bin/env bash
# fleet's main job on the built-in lab: 16 real hosts (spark + agx-01..15, each its own network
# namespace with OpenSSH and a Docker engine), then `fleet up`, a second `fleet up` (nothing to change)
# and a `fleet exec` across the Jetsons. The lab stays up afterwards; `npm run lab -- down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/js/cli/main.js ] || npm run --silent build

npm run --silent lab -- up 16
lab=/tmp/fleet-lab/demo
repo=$PWD
fleet() { HOME="$lab/home" node "$repo/bin/fleet.js" "$@"; }

mkdir -p "$lab/run" && cd "$lab/run"
echo; echo "\$ fleet up -f $lab/nodes.yml --all"
fleet up -f "$lab/nodes.yml" --all
echo; echo "\$ fleet up -f $lab/nodes.yml --all   # again: converges, changes nothing"
fleet up -f "$lab/nodes.yml" --all
echo; echo "\$ fleet exec -f $lab/nodes.yml -n agx-01..15 --group -- 'docker info -f {{.Swarm.LocalNodeState}}'"
fleet exec -f "$lab/nodes.yml" -n agx-01..15 --group -- 'docker info -f {{.Swarm.LocalNodeState}}'
echo
echo "reports and role_assignments.json: $lab/run"
echo "try it yourself: HOME=$lab/home node bin/fleet.js exec -f $lab/nodes.yml --all -- uptime"
echo "remove the lab:  npm run lab -- down"
