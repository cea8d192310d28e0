/**
 * Phase 3: the join tokens, read from the leader through the Engine API and held in memory only
 * (Secret: registered for redaction, prints as [redacted]). They never touch a command line or file.
 */
import { FleetError } from '../../../core/errors.js';
import type { Phase } from '../../../runtime/phase.js';
import { leaderRecord, type SwarmContext } from '../context.js';
import { stepsOf } from '../plan.js';
import { viaManager } from '../actions.js';

export const tokens: Phase<SwarmContext> = {
  title: 'tokens',
  shouldRun(ctx) {
    const joins = stepsOf(ctx, 'join-manager', 'join-worker');
    if (!joins.some((s) => ctx.hosts.get(s.host)?.result.status !== 'failed')) return 'no host needs to join';
    if (ctx.dryRun) return 'dry run';
    return true;
  },
  async run(ctx) {
    const leader = leaderRecord(ctx);
    if (!leader?.engine)
      throw new FleetError('docker', 'no manager of this swarm is reachable to read join tokens');
    const swarm = await viaManager(ctx, 'tokens', (via, signal) => via.engine!.swarmInspect(signal));
    ctx.tokens = swarm.tokens;
  },
};
