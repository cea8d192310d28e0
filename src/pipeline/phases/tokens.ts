/**
 * Phase 3: the join tokens, read from the leader through the Engine API and held in memory only
 * (Secret: registered for redaction, prints as [redacted]). They never touch a command line or file.
 */
import { FleetError } from '../../core/errors.js';
import type { Phase } from '../phase.js';
import { leaderRecord, usable, type SwarmContext } from '../../swarm/context.js';

/** Hosts that will join: wanted in the swarm, not members yet, not left alone. */
export function joiners(ctx: SwarmContext) {
  return usable(ctx).filter((h) => h.role && h.membership !== 'ours' && h.result.status !== 'skipped');
}

export const tokens: Phase<SwarmContext> = {
  title: 'tokens',
  shouldRun(ctx) {
    if (joiners(ctx).length === 0) return 'no host needs to join';
    if (ctx.cluster?.planned) return 'the swarm does not exist yet (dry run)';
    return true;
  },
  async run(ctx) {
    const leader = leaderRecord(ctx);
    if (!leader?.engine)
      throw new FleetError('docker', 'no manager of this swarm is reachable to read join tokens');
    const swarm = await leader.engine.swarmInspect(ctx.signal);
    ctx.tokens = swarm.tokens;
  },
};
