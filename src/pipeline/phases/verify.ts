/**
 * Phase 8: every node Ready, managers Reachable, exactly one leader, quorum k/n, and the topology
 * (like `docker node ls`) for the view and the report. Node entries left Down by an earlier life of
 * a re-joined host were removed by the plan's cleanup steps (init phase) before anyone joined.
 */
import { FleetError } from '../../core/errors.js';
import type { SwarmNode } from '../../adapters/docker/types.js';
import type { Phase } from '../phase.js';
import { leaderRecord, markFailed, usable, type SwarmContext } from '../../swarm/context.js';
import { pollUntil, quorumOf } from '../../swarm/actions.js';

export const verify: Phase<SwarmContext> = {
  title: 'verify',
  shouldRun(ctx) {
    if (ctx.dryRun) return 'dry run';
    return ctx.cluster ? true : 'no swarm';
  },
  async run(ctx) {
    const leader = leaderRecord(ctx);
    if (!leader?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
    const members = usable(ctx).filter((h) => h.membership === 'ours' && h.nodeId);
    const ids = new Set(members.map((h) => h.nodeId));
    const ready = (nodes: SwarmNode[]) =>
      nodes.filter((n) => ids.has(n.id)).every((n) => n.state === 'ready') &&
      nodes
        .filter((n) => n.role === 'manager' && ids.has(n.id))
        .every((n) => n.manager?.reachability === 'reachable');
    const nodes = await pollUntil(
      ctx,
      'every node to be Ready',
      () => leader.engine!.listNodes(ctx.signal),
      ready,
      ctx.options.settleTimeoutMs,
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
    ctx.bus.log('info', `quorum ${q.reachable}/${q.managers} (needs ${q.needed}), ${nodes.length} nodes`);
  },
};
