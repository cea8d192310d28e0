/**
 * Phase 6: the plan's label steps not already done right after a join — members whose labels drifted
 * from nodes.yml / facts, and joiners whose first attempt failed. Only keys fleet manages change
 * (core/swarm-plan-labels.ts); labels put there by hand stay.
 */
import { toFleetError } from '../../../core/errors.js';
import { forEachHost } from '../../../runtime/for-each-host.js';
import type { Phase } from '../../../runtime/phase.js';
import { leaderRecord, markFailed, type SwarmContext } from '../context.js';
import { applyLabels } from '../labels.js';
import { viaManager } from '../actions.js';
import { runStep, stepsOf } from '../plan.js';

const TITLE = 'labels';

function open(ctx: SwarmContext) {
  return stepsOf(ctx, 'set-labels').filter((s) => {
    const host = ctx.hosts.get(s.host);
    return !ctx.done.has(s) && host?.result.status !== 'failed' && host?.result.status !== 'skipped';
  });
}

export const labels: Phase<SwarmContext> = {
  title: TITLE,
  shouldRun(ctx) {
    return open(ctx).length > 0 ? true : 'every node has its labels';
  },
  async run(ctx) {
    ctx.bus.phaseHosts(
      TITLE,
      open(ctx).map((s) => s.host),
    );
    await forEachHost(open(ctx), { concurrency: ctx.options.concurrency }, async (step) => {
      const host = ctx.hosts.get(step.host)!;
      const nodeId = step.nodeId ?? host.nodeId;
      if (ctx.signal.aborted || (!ctx.dryRun && (!nodeId || !leaderRecord(ctx)?.engine))) return;
      try {
        ctx.bus.hostState(host.target.id, 'running', 'labels');
        // Through any manager that answers: a lost leader must not hang or fail every label.
        await runStep(ctx, step, () => viaManager(ctx, TITLE, (via) => applyLabels(ctx, via, nodeId!, step)));
        ctx.done.add(step);
        ctx.bus.hostState(host.target.id, 'waiting', 'labels set');
      } catch (err) {
        markFailed(host, TITLE, toFleetError(err), ctx);
      }
    });
  },
};
