/**
 * Observed state: which hosts are in which swarm, which swarm is "ours", who leads it.
 *
 * fleet marks the swarms it creates with the swarm spec label `fleet.cluster=<name>`; a swarm
 * without it (or with another name) is foreign, and its members are reported and left alone unless
 * --force. Workers cannot tell which cluster they are in, so they count as ours only when a manager
 * of our swarm lists their node id.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { SwarmNode } from '../../adapters/docker/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import { isReachableManager, strandedInCluster } from '../../core/swarm-plan-membership.js';
import { readClusterNodes } from '../shared/cluster.js';
import { pollUntil, quorumOf } from './actions.js';
import { leaderless, observedHost } from './plan.js';

export { leaderless };
import { leaderRecord, newResult, type ClusterState, type HostRecord, type SwarmContext } from './context.js';

export const CLUSTER_LABEL = 'fleet.cluster';

interface SwarmSeen {
  id: string;
  managers: HostRecord[];
  ours: boolean;
}

function inSwarm(host: HostRecord): boolean {
  return (host.info?.swarm.localNodeState ?? 'inactive') !== 'inactive';
}

/** Groups the reachable managers by cluster and reads each cluster's labels once. */
async function swarmsSeen(ctx: SwarmContext, hosts: Iterable<HostRecord>): Promise<SwarmSeen[]> {
  const byId = new Map<string, SwarmSeen>();
  for (const host of hosts) {
    const swarm = host.info?.swarm;
    if (!swarm || swarm.localNodeState !== 'active' || !swarm.controlAvailable || !swarm.clusterId) continue;
    const seen = byId.get(swarm.clusterId) ?? { id: swarm.clusterId, managers: [], ours: false };
    seen.managers.push(host);
    byId.set(swarm.clusterId, seen);
  }
  for (const seen of byId.values()) {
    for (const manager of seen.managers) {
      try {
        const inspect = await manager.engine!.swarmInspect(ctx.signal);
        seen.ours = inspect.labels[CLUSTER_LABEL] === ctx.options.clusterName;
        break;
      } catch (err) {
        ctx.bus.log('warn', `cannot inspect its swarm: ${toFleetError(err).message}`, manager.target.id);
      }
    }
  }
  return [...byId.values()];
}

/** The node list through the one cluster observer; failures logged at debug on the manager. */
function readNodes(
  ctx: SwarmContext,
  managers: HostRecord[],
): ReturnType<typeof readClusterNodes<HostRecord>> {
  return readClusterNodes(managers, ctx.signal, (message, manager) =>
    ctx.bus.log('debug', message, manager.target.id),
  );
}

/** The host fleet should talk to: the leader if it is one of ours, else any reachable manager. */
export function pickLeader(ctx: SwarmContext, nodes: SwarmNode[], fallback: HostRecord): HostRecord {
  const leaderNode = nodes.find((n) => n.manager?.leader);
  const known = ctx.observer ? [...ctx.hosts.values(), ctx.observer] : [...ctx.hosts.values()];
  const leaderHost = leaderNode && known.find((h) => h.nodeId === leaderNode.id && h.engine);
  return leaderHost ?? fallback;
}

/**
 * Managers of a swarm without a leader: waits (up to --settle-timeout) for raft to elect one again —
 * a few seconds once a cut link is healed or a stopped engine is back — re-reading their info. Throws
 * FleetError 'quorum' (exit 5), changing nothing, when the swarm is still leaderless by then.
 */
export async function waitForLeader(
  ctx: SwarmContext,
  blocker?: { host: string; why: string; hint: string },
): Promise<void> {
  const stuck = [...ctx.hosts.values()].filter((h) => h.engine && leaderless(h));
  if (stuck.length === 0) return;
  const ids = stuck.map((h) => h.target.id).join(', ');
  const said = stuck.find((h) => h.info?.swarm.error)?.info?.swarm.error;
  const seconds = Math.round(ctx.options.settleTimeoutMs / 1000);
  ctx.bus.log(
    'warn',
    `${ids}: in a swarm with no leader${said ? ` (${said})` : ''}; waiting up to ${seconds} s for its managers to restore quorum`,
  );
  const reread = async (signal: AbortSignal): Promise<boolean> => {
    for (const h of stuck) {
      if (!leaderless(h)) continue;
      // An engine that does not answer right now is asked again on the next round.
      const info = await h.engine!.info(signal).catch(() => undefined);
      if (info) h.info = { ...info, apiVersion: h.engine!.apiVersion };
    }
    if (!stuck.every((h) => !leaderless(h))) return false;
    // A leader again; the node list lags (a manager back from a cut link reads Down for a heartbeat
    // or two) and the planner counts quorum from it: wait until it shows quorum too.
    const nodes = await stuck[0]!.engine!.listNodes(signal).catch(() => undefined);
    return Boolean(nodes && quorumOf(nodes).ok);
  };
  try {
    await pollUntil(ctx, 'the swarm to elect a leader', reread, (ok) => ok, ctx.options.settleTimeoutMs);
  } catch (err) {
    const error = toFleetError(err);
    if (error.code === 'interrupted') throw error;
    const reachable = stuck.filter((h) => h.info?.swarm.managers).map((h) => h.info!.swarm.managers)[0];
    throw new FleetError(
      'quorum',
      `${ids} ${stuck.length === 1 ? 'is a manager' : 'are managers'} of a swarm with no leader after ${seconds} s` +
        `${reachable ? ` (${reachable} managers in it)` : ''}: too few of its managers are online, so fleet cannot read it or tell whether it is this cluster` +
        `${blocker ? `; not recovered automatically: ${blocker.why}` : ''}; nothing was changed`,
      {
        host: blocker?.host ?? stuck[0]!.target.id,
        hint:
          blocker?.hint ??
          'bring its other managers back online (more than half of them must run); if they are gone for good, recover on one of them with `docker swarm init --force-new-cluster` (or fleet restore), then run fleet up again',
      },
    );
  }
}

/**
 * Fills membership/currentRole/nodeId for every host and ctx.cluster when our swarm exists.
 * When more than one swarm carries our label (two separate inits), the one with more of our
 * hosts wins and the other is reported as foreign.
 */
export async function classify(ctx: SwarmContext): Promise<void> {
  for (const host of ctx.hosts.values()) {
    host.nodeId = host.info?.swarm.nodeId || undefined;
    host.membership = host.info ? (inSwarm(host) ? 'foreign' : 'none') : 'unknown';
  }
  const seen = await swarmsSeen(ctx, ctx.hosts.values());
  let ours = seen.filter((s) => s.ours).sort((a, b) => b.managers.length - a.managers.length)[0];
  for (const s of seen) {
    if (s === ours) continue;
    for (const m of s.managers) m.foreignCluster = s.id;
  }
  ours ??= await observeThroughSpare(ctx);
  const dead = (h: HostRecord, nodes: SwarmNode[], id = ''): boolean =>
    Boolean(h.info) && strandedInCluster(observedHost(h).swarm!, { id, nodes });
  if (!ours) {
    // A join that died belongs to no swarm: not "another swarm" (the plan repairs it).
    for (const host of ctx.hosts.values()) if (dead(host, [])) host.membership = 'none';
    return;
  }
  const read = await readNodes(ctx, ours.managers);
  if (!read) return;
  const ids = new Map(read.nodes.map((n) => [n.id, n]));
  for (const host of ctx.hosts.values()) {
    const node = host.nodeId ? ids.get(host.nodeId) : undefined;
    if (dead(host, read.nodes, ours.id)) {
      // A join into this cluster that never completed: not another swarm; the plan repairs it.
      host.membership = 'none';
    } else if (node && inSwarm(host)) {
      host.membership = 'ours';
      host.currentRole = node.role;
    }
  }
  const leader = pickLeader(ctx, read.nodes, read.via);
  ctx.cluster = { id: ours.id, leader: leader.target.id, nodes: read.nodes };
}

/**
 * A partial selection with no manager of ours in it (`plan -n agx-05,agx-06`): find the cluster
 * through a manager of nodes.yml outside the selection — first those the selected workers name as
 * their managers, then the pinned managers — read it, never change it. Without this the selected
 * workers would look like members of "another swarm".
 */
async function observeThroughSpare(ctx: SwarmContext): Promise<SwarmSeen | undefined> {
  const selected = [...ctx.hosts.values()];
  if (!selected.some((h) => inSwarm(h)) || !ctx.spares?.length) return undefined;
  const named = new Set(selected.flatMap((h) => h.info?.swarm.remoteManagers ?? []));
  const candidates = [
    ...ctx.spares.filter((t) => named.has(`${t.address}:2377`)),
    ...ctx.spares.filter((t) => !named.has(`${t.address}:2377`) && t.role === 'manager'),
  ];
  for (const target of candidates) {
    try {
      const conn = await ctx.pool.connect(target, ctx.signal);
      const engine = await createDockerEngine(conn, {
        signal: ctx.signal,
        sudoPassword: ctx.options.sudoPassword,
      });
      const info = { ...(await engine.info(ctx.signal)), apiVersion: engine.apiVersion };
      const record: HostRecord = { target, conn, engine, info, membership: 'ours', result: newResult() };
      const [seen] = await swarmsSeen(ctx, [record]);
      if (seen?.ours) {
        record.nodeId = info.swarm.nodeId;
        record.currentRole = 'manager';
        ctx.observer = record;
        ctx.bus.log('info', `not selected: read this cluster through it, changing nothing there`, target.id);
        return seen;
      }
      engine.close();
    } catch (err) {
      ctx.bus.log('debug', `cannot read the cluster through it: ${toFleetError(err).message}`, target.id);
    }
  }
  return undefined;
}

/**
 * Managers whose own engine says they are managers (GET /info: control available) while the node
 * list, read through the leader, still calls them Down or Unreachable: a manager back from a stopped
 * engine or a cut link reads so for a heartbeat or two. The planner counts quorum from that list, so
 * preflight waits (up to --settle-timeout) until the list catches up; if it never does, the planner
 * judges the list as it is.
 */
export async function waitForLaggingManagers(ctx: SwarmContext): Promise<void> {
  const lagging = (cluster: ClusterState): HostRecord[] =>
    [...ctx.hosts.values()].filter((h) => {
      if (!h.info?.swarm.controlAvailable || !h.nodeId) return false;
      const node = cluster.nodes.find((n) => n.id === h.nodeId);
      return node?.role === 'manager' && !isReachableManager(node);
    });
  const first = ctx.cluster && lagging(ctx.cluster);
  if (!first || first.length === 0) return;
  ctx.bus.log(
    'info',
    `${first.map((h) => h.target.id).join(', ')}: manager again, not yet Reachable in the node list; waiting for it`,
  );
  try {
    await pollUntil(
      ctx,
      'the node list to show the managers reachable',
      async () => {
        const cluster = await refreshCluster(ctx);
        return Boolean(cluster && lagging(cluster).length === 0);
      },
      (settled) => settled,
      ctx.options.settleTimeoutMs,
    );
  } catch (err) {
    if (toFleetError(err).code === 'interrupted') throw err;
    // Still lagging: the planner decides from the list as it stands (and says why).
  }
}

/** Re-reads the node list (after joins); keeps the leader pointer on a manager that answers. */
export async function refreshCluster(ctx: SwarmContext): Promise<ClusterState | undefined> {
  const cluster = ctx.cluster;
  if (!cluster) return cluster;
  const candidates = [
    leaderRecord(ctx),
    ...[...ctx.hosts.values()].filter((h) => h.membership === 'ours' && h.currentRole === 'manager'),
    ctx.observer,
  ].filter((h): h is HostRecord => Boolean(h?.engine));
  const read = await readNodes(ctx, candidates);
  if (!read) return cluster;
  cluster.nodes = read.nodes;
  cluster.leader = pickLeader(ctx, read.nodes, read.via).target.id;
  return cluster;
}

/**
 * Hosts whose engine still says `pending` while the node list already has their node id as a
 * manager: a manager join (often an earlier run's, cut short) that got as far as a Raft seat and is
 * finishing now that its link is back. Forcing it out would cost that seat's vote (a 2-manager swarm
 * loses its leader), so preflight waits (up to --settle-timeout) for it to become active, then
 * classifies again. Returns whether any host changed state.
 */
export async function waitForPendingJoins(ctx: SwarmContext): Promise<boolean> {
  const seated = (h: HostRecord): boolean =>
    Boolean(
      h.engine &&
      h.info?.swarm.localNodeState === 'pending' &&
      h.info.swarm.nodeId &&
      ctx.cluster?.nodes.some((n) => n.id === h.info!.swarm.nodeId && n.role === 'manager'),
    );
  const pending = [...ctx.hosts.values()].filter(seated);
  if (pending.length === 0) return false;
  ctx.bus.log(
    'info',
    `${pending.map((h) => h.target.id).join(', ')}: still joining as manager (it holds a Raft seat); waiting for the join to finish`,
  );
  try {
    await pollUntil(
      ctx,
      'pending manager joins to finish',
      async (signal) => {
        for (const h of pending) {
          const info = await h.engine!.info(signal).catch(() => undefined);
          if (info) h.info = { ...info, apiVersion: h.engine!.apiVersion };
        }
        return pending.every((h) => h.info?.swarm.localNodeState !== 'pending');
      },
      (done) => done,
      ctx.options.settleTimeoutMs,
    );
  } catch (err) {
    if (toFleetError(err).code === 'interrupted') throw err;
    // Still pending: the planner leaves it to finish (never forces out a node holding a Raft seat).
  }
  return true;
}
