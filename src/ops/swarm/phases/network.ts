/**
 * Phase 7: the overlay network (nodes.yml defaults.swarm.network, default fleet-network,
 * 10.10.0.0/16, attachable). The planner compared it with what the leader has: present with the same
 * settings is no step; present with other settings already stopped the run in preflight (replacing a
 * network would cut off whatever runs on it).
 */
import { FleetError } from '../../../core/errors.js';
import type { Phase } from '../../../runtime/phase.js';
import { leaderRecord, type SwarmContext } from '../context.js';
import { runStep, stepsOf } from '../plan.js';
import { viaManager } from '../actions.js';

export const network: Phase<SwarmContext> = {
  title: 'network',
  shouldRun(ctx) {
    return stepsOf(ctx, 'create-network').length > 0 ? true : `${ctx.options.network.name} exists`;
  },
  async run(ctx) {
    for (const step of stepsOf(ctx, 'create-network')) {
      const leader = leaderRecord(ctx);
      if (!ctx.dryRun && !leader?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
      await runStep(ctx, step, () =>
        viaManager(ctx, 'network', (via, signal) => via.engine!.createNetwork(step.network, signal)),
      );
    }
  },
};
