/**
 * Phase 8: remove the entries an earlier life of a re-joined host left behind, then check the end
 * state: every node Ready, managers Reachable, exactly one leader, quorum k/n, and the topology (like
 * `docker node ls`) for the view and the report. The run "matches the plan" only when nothing the
 * planner could not fix is left (an unreachable manager kept) and no host of this inventory has a
 * second entry: otherwise it ends partial.
 */
import { FleetError, toFleetError } from '../../../core/errors.js';
import {
  isEntryOf,
  isReachableManager,
  settlingEntries,
  staleEntries,
  type PlanStep,
} from '../../../core/swarm-plan.js';
import type { SwarmNode } from '../../../adapters/docker/types.js';
import type { Phase } from '../../../runtime/phase.js';
import { leaderRecord, markFailed, usable, type HostRecord, type SwarmContext } from '../context.js';
import { demoteEntry, pollUntil, quorumOf } from '../actions.js';
import { runStep } from '../plan.js';

/** Longest pause between two reads of the node list while waiting for every node to be Ready. */
const VERIFY_POLL_MAX_MS = 250;

/** Every inventory host as verify sees it (selected ones with their live node id). */
function inventoryHosts(ctx: SwarmContext) {
  return [
    ...[...ctx.hosts.values()].map((h) => ({
      id: h.target.id,
      address: h.target.address,
      hostname: h.info?.hostname || h.facts?.hostname || undefined,
      nodeId: h.membership === 'ours' ? h.nodeId : undefined,
    })),
    ...(ctx.spares ?? []).map((t) => ({ id: t.id, address: t.address })),
  ];
}

/** Demotes (a manager, when quorum allows) and removes each stale entry through the leader. */
async function removeStale(ctx: SwarmContext, leader: HostRecord): Promise<SwarmNode[]> {
  const hosts = inventoryHosts(ctx);
  const list = () => leader.engine!.listNodes(ctx.signal);
  let nodes = await list();
  if (settlingEntries(hosts, nodes).length > 0) {
    // A host that re-joined moments ago: its old entry reads Ready until the heartbeat expires.
    nodes = await pollUntil(
      ctx,
      'the old entries of re-joined hosts to go Down',
      list,
      (n) => settlingEntries(hosts, n).length === 0,
      ctx.options.settleTimeoutMs,
    ).catch(list);
  }
  const stale = staleEntries(hosts, nodes);
  for (const node of stale) {
    const owner = [...ctx.hosts.values()].find((h) =>
      isEntryOf({ address: h.target.address, hostname: h.info?.hostname }, node),
    );
    const reason = `stale entry; ${owner?.target.id ?? node.hostname} now runs node ${owner?.nodeId?.slice(0, 12) ?? '?'}`;
    const base = { stage: 'cleanup' as const, nodeId: node.id, hostname: node.hostname, reason };
    try {
      if (node.role === 'manager') {
        const rest = nodes.filter((n) => n.id !== node.id);
        if (!quorumOf(rest).ok && isReachableManager(node)) continue;
        const demote: PlanStep = { kind: 'demote', ...base };
        await runStep(ctx, demote, () => demoteEntry(leader, node.id, ctx.signal));
      }
      const remove: PlanStep = { kind: 'remove-node', ...base };
      await runStep(ctx, remove, () => leader.engine!.removeNode(node.id, true, ctx.signal));
    } catch (err) {
      ctx.bus.log(
        'warn',
        `cannot remove stale entry ${node.hostname} (${node.id.slice(0, 12)}): ${toFleetError(err).message}`,
      );
    }
    nodes = await leader.engine!.listNodes(ctx.signal);
  }
  return nodes;
}

/** Hosts (not already failed) whose node does not have the role the plan ends with. */
function roleMismatches(ctx: SwarmContext, nodes: SwarmNode[]): string[] {
  const planned = ctx.plan?.steps.find((s) => s.kind === 'verify');
  if (planned?.kind !== 'verify') return [];
  const want = new Map<string, string>([
    ...planned.managers.map((id) => [id, 'manager'] as const),
    ...planned.workers.map((id) => [id, 'worker'] as const),
  ]);
  return usable(ctx).flatMap((h) => {
    const role = nodes.find((n) => n.id === h.nodeId)?.role;
    const wanted = want.get(h.target.id);
    return role && wanted && role !== wanted ? [`${h.target.id} is ${role}, planned ${wanted}`] : [];
  });
}

export const verify: Phase<SwarmContext> = {
  title: 'verify',
  shouldRun(ctx) {
    if (ctx.dryRun) return 'dry run';
    return ctx.cluster ? true : 'no swarm';
  },
  async run(ctx) {
    const leader = leaderRecord(ctx);
    if (!leader?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
    await removeStale(ctx, leader);
    const members = usable(ctx).filter((h) => h.membership === 'ours' && h.nodeId);
    const ids = new Set(members.map((h) => h.nodeId));
    const ready = (nodes: SwarmNode[]) =>
      nodes.filter((n) => ids.has(n.id)).every((n) => n.state === 'ready') &&
      nodes
        .filter((n) => n.role === 'manager' && ids.has(n.id))
        .every((n) => n.manager?.reachability === 'reachable');
    // The run's last wait, on the critical path: a node list costs the leader milliseconds, so ask
    // every 100-250 ms instead of backing off to 1 s between reads.
    const nodes = await pollUntil(
      ctx,
      'every node to be Ready',
      () => leader.engine!.listNodes(ctx.signal),
      ready,
      ctx.options.settleTimeoutMs,
      VERIFY_POLL_MAX_MS,
    ).catch(() => leader.engine!.listNodes(ctx.signal));
    for (const host of members) {
      const node = nodes.find((n) => n.id === host.nodeId);
      if (!node || node.state !== 'ready') {
        markFailed(
          host,
          'verify',
          new FleetError('docker', `node is ${node?.state ?? 'missing'}, not Ready`, {
            host: host.target.id,
          }),
          ctx,
        );
      }
    }
    ctx.topology = nodes;
    const q = quorumOf(nodes);
    ctx.quorum = { reachable: q.reachable, managers: q.managers, needed: q.needed };
    const leaders = nodes.filter((n) => n.manager?.leader);
    if (leaders.length !== 1)
      throw new FleetError('quorum', `the swarm has ${leaders.length} leaders, expected 1`);
    if (!q.ok) {
      throw new FleetError(
        'quorum',
        `quorum lost: ${q.reachable}/${q.managers} managers reachable, ${q.needed} needed`,
      );
    }
    if (q.managers % 2 === 0) {
      ctx.bus.log(
        'warn',
        `${q.managers} managers: an even count tolerates no more failures than ${q.managers - 1}`,
      );
    }
    // Count what this inventory has in the swarm, live: stale or foreign entries are not nodes of it.
    const inventory = inventoryHosts(ctx);
    const ours = nodes.filter((n) => n.state === 'ready' && inventory.some((h) => isEntryOf(h, n)));
    const others = nodes.length - ours.length;
    ctx.bus.log(
      'info',
      `quorum ${q.reachable}/${q.managers} (needs ${q.needed}), ${ours.length} nodes of ${inventory.length} hosts` +
        (others > 0
          ? ` (${others} other entr${others === 1 ? 'y' : 'ies'}: not Ready or not in nodes.yml)`
          : ''),
    );
    const left = staleEntries(inventory, nodes);
    const unresolved = [
      ...(ctx.plan?.unresolved ?? []),
      ...left.map((n) => `stale entry ${n.hostname} (${n.id.slice(0, 12)}) is still in the swarm`),
      ...roleMismatches(ctx, nodes),
    ];
    if (unresolved.length > 0) {
      throw new FleetError('partial', `the swarm does not match the plan: ${unresolved.join('; ')}`, {
        hint: 'see the notes above; run fleet up again once the cause is fixed',
      });
    }
  },
};
