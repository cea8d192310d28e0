#!/usr/bin/env bash
# The baseline for `npm run bench:up`: the docker commands a plain shell script runs over ssh to form
# a swarm — init on the first manager, the other managers joined one by one, workers in parallel,
# the overlay network, `docker node ls`. Like the bash module fleet replaces, it passes the join
# token on the remote command line (visible in `ps` on every host); fleet never does.
#
# usage: up-script.sh "MANAGER_IP..." "WORKER_IP..."   (first manager initialises; ssh as root)
set -euo pipefail

read -r -a managers <<<"$1"
read -r -a workers <<<"${2:-}"
first=${managers[0]}
SSH=(ssh -o BatchMode=yes -o ConnectTimeout=10 -l root)

"${SSH[@]}" "$first" docker swarm init --advertise-addr "$first" >/dev/null
manager_token=$("${SSH[@]}" "$first" docker swarm join-token -q manager)
worker_token=$("${SSH[@]}" "$first" docker swarm join-token -q worker)

for ip in "${managers[@]:1}"; do
  "${SSH[@]}" "$ip" docker swarm join --advertise-addr "$ip" --token "$manager_token" "$first:2377" >/dev/null
done

pids=()
for ip in "${workers[@]}"; do
  "${SSH[@]}" "$ip" docker swarm join --advertise-addr "$ip" --token "$worker_token" "$first:2377" >/dev/null &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
if [ "$failed" -gt 0 ]; then
  echo "$failed workers failed to join" >&2
  exit 1
fi

"${SSH[@]}" "$first" docker network create --driver overlay --subnet 10.10.0.0/16 --attachable fleet-network >/dev/null
"${SSH[@]}" "$first" docker node ls
