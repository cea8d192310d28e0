/**
 * Phase 2: `swarm init` on the first manager (the best-ranked one), advertising its inventory
 * address, or nothing when this cluster's swarm already exists. The swarm is marked with
 * `fleet.cluster=<name>` so later runs recognise it (and tell foreign swarms apart).
 */
import { FleetError } from '../../core/errors.js';
import type { Phase } from '../phase.js';
import { recordAction, usable, type SwarmContext } from '../../swarm/context.js';
import { advertiseAddr, leaveForeign, localNodeId } from '../../swarm/actions.js';
import { CLUSTER_LABEL, refreshCluster } from '../../swarm/observe.js';

export const init: Phase<SwarmContext> = {
  title: 'init',
  shouldRun(ctx) {
    if (ctx.cluster) return `swarm ${ctx.cluster.id.slice(0, 12)} exists (via ${ctx.cluster.leader})`;
    return true;
  },
  async run(ctx) {
    const first = usable(ctx)
      .filter((h) => h.role === 'manager' && h.result.status !== 'skipped')
      .sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9))[0];
    if (!first) {
      throw new FleetError('quorum', 'no reachable host can be the first manager', {
        hint: 'check the hosts marked failed above, or pin a reachable host with role: manager',
      });
    }
    const id = first.target.id;
    if (first.membership === 'foreign') await leaveForeign(ctx, first);
    const addr = await advertiseAddr(first);
    const sentence = `swarm init (advertise ${addr}, cluster "${ctx.options.clusterName}")`;
    await ctx.change(id, sentence, () =>
      first.engine!.swarmInit(
        { advertiseAddr: addr, labels: { [CLUSTER_LABEL]: ctx.options.clusterName } },
        ctx.signal,
      ),
    );
    recordAction(first, 'initialised the swarm', ctx.dryRun);
    first.membership = 'ours';
    first.currentRole = 'manager';
    if (ctx.dryRun) {
      ctx.cluster = { id: '(new)', leader: id, planned: true, nodes: [] };
      return;
    }
    await localNodeId(ctx, first);
    ctx.cluster = { id: first.info!.swarm.clusterId, leader: id, planned: false, nodes: [] };
    await refreshCluster(ctx);
    ctx.bus.log('info', `swarm ${ctx.cluster.id.slice(0, 12)} initialised`, id);
  },
};
