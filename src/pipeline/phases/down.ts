/**
 * `fleet down`: leave the swarm on every selected member — workers first (in parallel), then
 * managers one at a time (each demoted through another manager first so quorum holds at every
 * step), the leader last. Hosts in a foreign swarm are left alone.
 */
import pLimit from 'p-limit';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { Phase } from '../phase.js';
import {
  hostDone,
  markFailed,
  recordAction,
  usable,
  type HostRecord,
  type SwarmContext,
} from '../../swarm/context.js';
import { refreshCluster } from '../../swarm/observe.js';

function members(ctx: SwarmContext, role: 'manager' | 'worker'): HostRecord[] {
  return usable(ctx).filter((h) => h.membership === 'ours' && h.currentRole === role);
}

async function removeEntry(ctx: SwarmContext, host: HostRecord, via: HostRecord | undefined): Promise<void> {
  if (!via?.engine || !host.nodeId) return;
  // The entry stays "down" in the node list after a leave; drop it so the list stays truthful.
  await via.engine.removeNode(host.nodeId, true).catch(() => undefined);
}

export const leaveWorkers: Phase<SwarmContext> = {
  title: 'leave workers',
  shouldRun(ctx) {
    return members(ctx, 'worker').length > 0 ? true : 'no worker of this swarm selected';
  },
  async run(ctx) {
    const limit = pLimit(ctx.options.concurrency);
    const via = members(ctx, 'manager')[0];
    await Promise.all(
      members(ctx, 'worker').map((host) =>
        limit(async () => {
          if (ctx.signal.aborted) return;
          try {
            await ctx.change(host.target.id, 'leave the swarm', async () => {
              await host.engine!.swarmLeave(false);
              await removeEntry(ctx, host, via);
            });
            recordAction(host, 'left the swarm', ctx.dryRun);
            hostDone(ctx, host, 0);
          } catch (err) {
            markFailed(host, 'leave workers', toFleetError(err), ctx);
          }
        }),
      ),
    );
    if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted while workers were leaving');
  },
};

export const leaveManagers: Phase<SwarmContext> = {
  title: 'leave managers',
  shouldRun(ctx) {
    return members(ctx, 'manager').length > 0 ? true : 'no manager of this swarm selected';
  },
  async run(ctx) {
    const cluster = await refreshCluster(ctx);
    const leaderId = cluster?.leader;
    const selected = members(ctx, 'manager').sort((a, b) =>
      a.target.id === leaderId ? 1 : b.target.id === leaderId ? -1 : 0,
    );
    // Managers outside the selection stay: then every selected one, the leader included, is demoted.
    const outside = (cluster?.nodes ?? []).filter((n) => n.role === 'manager').length - selected.length;
    for (const host of selected) {
      if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted while managers were leaving');
      const others = members(ctx, 'manager').filter((h) => h !== host);
      const last = others.length === 0 && outside <= 0;
      try {
        if (last) {
          await ctx.change(host.target.id, 'leave the swarm (last manager: the swarm is dissolved)', () =>
            host.engine!.swarmLeave(true),
          );
        } else {
          const via = others[0];
          if (!via) throw new FleetError('quorum', 'no other manager of the selection to demote through');
          await ctx.change(host.target.id, 'demote, then leave the swarm', async () => {
            const node = await via.engine!.inspectNode(host.nodeId!);
            await via.engine!.updateNode(node.id, node.version, { ...node.spec, Role: 'worker' });
            // Leaving right after a demotion can race the raft change; the engine reports when done.
            await waitWorker(ctx, host);
            await host.engine!.swarmLeave(false);
            await removeEntry(ctx, host, via);
          });
        }
        recordAction(host, 'left the swarm', ctx.dryRun);
        if (!ctx.dryRun) host.currentRole = undefined;
        if (!ctx.dryRun) host.membership = 'none';
        hostDone(ctx, host, 0);
      } catch (err) {
        markFailed(host, 'leave managers', toFleetError(err), ctx);
        throw err;
      }
    }
  },
};

async function waitWorker(ctx: SwarmContext, host: HostRecord): Promise<void> {
  const { pollUntil } = await import('../../swarm/actions.js');
  await pollUntil(
    ctx,
    `${host.target.id} to be demoted`,
    () => host.engine!.info(),
    (info) => !info.swarm.controlAvailable,
    ctx.options.settleTimeoutMs,
  );
}
