/**
 * A swarm without a leader that can never elect one again: its only live manager is an inventory
 * host, and every other Raft member is an inventory host whose own engine says it is no longer part
 * of this swarm (a manager join cut after the leader had committed the new member, and the joining
 * engine then dropped its half-made state: moby's Cluster.Join clears it when the join fails). No
 * election can ever succeed (Raft counts the ghost), so waiting is pointless and the only way back is
 * `init --force-new-cluster` on the survivor, which keeps the swarm's state and drops the ghosts.
 *
 * This decides, purely from what preflight observed, whether that repair is safe. It is refused as
 * soon as any other member cannot be asked, or may still believe it is a manager of this swarm:
 * forcing a new cluster then could split the swarm in two (two "leaders" with diverging state).
 */
import type { ObservedHost, PlanStep, RaftPeer } from './swarm-plan-types.js';

export type LeaderlessVerdict =
  /** No selected manager reports a leaderless swarm. */
  | { kind: 'none' }
  /** Safe: force a new cluster on the survivor. */
  | { kind: 'recover'; step: Extract<PlanStep, { kind: 'force-new-cluster' }> }
  /**
   * Not provably safe: wait for raft to elect a leader (a manager may come back), then refuse.
   * `host` is the host in the way (or the survivor), `why` says what fleet saw, `hint` what to do.
   */
  | { kind: 'blocked'; leaderless: string[]; host: string; why: string; hint: string };

const short = (id: string): string => id.slice(0, 12);

function isLeaderless(h: ObservedHost): boolean {
  return Boolean(h.docker && h.swarm?.leaderless);
}

/** The inventory host a Raft member's advertise address belongs to. */
function ownerOf(hosts: ObservedHost[], peer: RaftPeer): ObservedHost | undefined {
  return hosts.find((h) => h.address !== undefined && `${h.address}:2377` === peer.addr);
}

/**
 * Why the host behind a Raft member is (or may still be) part of this swarm; undefined when its own
 * engine says it is not: inactive, or active as another node (it left and joined something else).
 */
function stillMember(owner: ObservedHost, peer: RaftPeer): string | undefined {
  if (!owner.reachable) return 'cannot be reached over SSH, so its engine cannot be asked';
  if (!owner.docker || !owner.swarm) return 'its Docker engine does not answer, so it cannot be asked';
  const s = owner.swarm;
  if (s.nodeId === peer.nodeId) {
    return `its engine still runs node ${short(peer.nodeId)} (swarm state ${s.state}): it may still be a manager of this swarm`;
  }
  if (s.state === 'inactive') return undefined;
  if (s.state === 'active' && s.nodeId) return undefined;
  // pending/error/locked: a join or an unlock in progress; fleet cannot tell which swarm it ends in.
  return `its swarm state is ${s.state}${s.nodeId ? ` (node ${short(s.nodeId)})` : ''}: fleet cannot tell whether it is still a member`;
}

function ghostState(owner: ObservedHost): string {
  const s = owner.swarm!;
  return s.state === 'inactive'
    ? 'is in no swarm'
    : `runs node ${short(s.nodeId ?? '')}${s.clusterId ? ` of swarm ${short(s.clusterId)}` : ''}`;
}

export function decideLeaderlessRepair(hosts: ObservedHost[]): LeaderlessVerdict {
  const stuck = hosts.filter(isLeaderless);
  if (stuck.length === 0) return { kind: 'none' };
  const leaderless = stuck.map((h) => h.id);
  const wait =
    'bring its other managers back online (more than half of them must run), then run fleet up again';
  if (stuck.length > 1) {
    return {
      kind: 'blocked',
      leaderless,
      host: stuck[0]!.id,
      why: `${leaderless.join(', ')} are live managers of a swarm with no leader: raft should elect one by itself`,
      hint: wait,
    };
  }
  const survivor = stuck[0]!;
  const self = survivor.swarm?.nodeId;
  const peers = (survivor.swarm?.raftPeers ?? []).filter((p) => p.nodeId !== self);
  if (!self || peers.length === 0) {
    return {
      kind: 'blocked',
      leaderless,
      host: survivor.id,
      why: `${survivor.id}'s engine lists no other managers, so fleet cannot tell which are gone`,
      hint: wait,
    };
  }
  const ghosts: { host: string; nodeId: string; state: string }[] = [];
  for (const peer of peers) {
    const owner = ownerOf(hosts, peer);
    if (!owner) {
      return {
        kind: 'blocked',
        leaderless,
        host: survivor.id,
        why: `manager ${short(peer.nodeId)} at ${peer.addr} is not a selected host of nodes.yml, so fleet cannot ask it`,
        hint: `bring that manager back online, or select it (or add it to nodes.yml) so fleet can check it, then run fleet up again`,
      };
    }
    const member = stillMember(owner, peer);
    if (member) {
      return {
        kind: 'blocked',
        leaderless,
        host: owner.id,
        why: `${owner.id} (manager ${short(peer.nodeId)} of this swarm) ${member}`,
        hint: `bring ${owner.id}'s engine back online so the swarm can elect a leader; if it is gone for good, run \`docker swarm init --force-new-cluster\` on ${survivor.id} (or fleet restore), then fleet up`,
      };
    }
    ghosts.push({ host: owner.id, nodeId: peer.nodeId, state: ghostState(owner) });
  }
  const members = peers.length + 1;
  const reason =
    `${survivor.id} is the only live manager of a swarm with no leader (${members} Raft members, quorum ${Math.floor(members / 2) + 1}); ` +
    ghosts.map((g) => `${g.host} (member ${short(g.nodeId)}) ${g.state}, its join cut short`).join('; ') +
    ': no leader can ever be elected; the swarm keeps its services, networks and secrets';
  return {
    kind: 'recover',
    step: {
      kind: 'force-new-cluster',
      stage: 'preflight',
      host: survivor.id,
      ghosts: ghosts.map(({ host, nodeId }) => ({ host, nodeId })),
      reason,
    },
  };
}
