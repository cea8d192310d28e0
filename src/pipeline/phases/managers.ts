/**
 * Phase 4: managers, one at a time. Each join (or promotion) is followed by polling the leader until
 * the new node is a Reachable manager and quorum holds — the engine says when, no fixed sleeps.
 * Demotions come after every join, one at a time, each checked against quorum first.
 */
import { FleetError, toFleetError } from '../../core/errors.js';
import type { Phase } from '../phase.js';
import {
  leaderRecord,
  hostDone,
  markFailed,
  recordAction,
  usable,
  type HostRecord,
  type SwarmContext,
} from '../../swarm/context.js';
import {
  advertiseAddr,
  leaveForeign,
  localNodeId,
  pollUntil,
  probePorts,
  quorumOf,
} from '../../swarm/actions.js';
import { refreshCluster } from '../../swarm/observe.js';

const TITLE = 'managers';

function leaderOrThrow(ctx: SwarmContext): HostRecord {
  const leader = leaderRecord(ctx);
  if (!leader?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
  return leader;
}

async function waitReachable(ctx: SwarmContext, host: HostRecord): Promise<void> {
  const leader = leaderOrThrow(ctx);
  await pollUntil(
    ctx,
    `${host.target.id} to become a reachable manager`,
    () => leader.engine!.listNodes(),
    (nodes) => {
      const node = nodes.find((n) => n.id === host.nodeId);
      return node?.manager?.reachability === 'reachable' && quorumOf(nodes).ok;
    },
    ctx.options.settleTimeoutMs,
  );
}

async function joinManager(ctx: SwarmContext, host: HostRecord): Promise<void> {
  const id = host.target.id;
  const leader = leaderOrThrow(ctx);
  if (host.membership === 'foreign') await leaveForeign(ctx, host);
  const addr = await advertiseAddr(host);
  const leaderAddr = leader.info?.swarm.nodeAddr || leader.target.address;
  if (!ctx.cluster?.planned) {
    const closed = await probePorts(host, leaderAddr, [2377, 7946]);
    if (closed === undefined) ctx.bus.log('debug', 'no nc or bash: swarm ports not checked', id);
    else if (closed.length > 0) {
      throw new FleetError(
        'connect',
        `cannot reach ${leader.target.id} (${leaderAddr}) on port ${closed.join(', ')}`,
        {
          host: id,
          hint: 'open TCP 2377 and 7946 (and UDP 7946, 4789) between managers',
        },
      );
    }
  }
  ctx.bus.hostState(id, 'running', 'joining as manager');
  await ctx.change(id, `join the swarm as manager via ${leader.target.id}`, async () => {
    // Not aborted by Ctrl-C: a join cut halfway leaves the engine "pending"; let it finish instead.
    await host.engine!.swarmJoin({
      remoteAddrs: [`${leaderAddr}:2377`],
      token: ctx.tokens!.manager,
      advertiseAddr: addr,
    });
    await localNodeId(ctx, host);
    await waitReachable(ctx, host);
  });
  recordAction(host, 'joined as manager', ctx.dryRun);
  host.membership = 'ours';
  host.currentRole = 'manager';
}

async function setRole(ctx: SwarmContext, host: HostRecord, role: 'manager' | 'worker', via: HostRecord) {
  const node = await via.engine!.inspectNode(host.nodeId!, ctx.signal);
  await via.engine!.updateNode(node.id, node.version, { ...node.spec, Role: role }, ctx.signal);
}

async function promote(ctx: SwarmContext, host: HostRecord): Promise<void> {
  const leader = leaderOrThrow(ctx);
  ctx.bus.hostState(host.target.id, 'running', 'promoting');
  await ctx.change(host.target.id, 'promote to manager', async () => {
    await setRole(ctx, host, 'manager', leader);
    await waitReachable(ctx, host);
  });
  recordAction(host, 'promoted to manager', ctx.dryRun);
  host.currentRole = 'manager';
}

async function demote(ctx: SwarmContext, host: HostRecord): Promise<void> {
  const cluster = await refreshCluster(ctx);
  const q = quorumOf(cluster?.nodes ?? []);
  const after = { managers: q.managers - 1, reachable: q.reachable - 1 };
  if (after.managers < 1 || after.reachable < Math.floor(after.managers / 2) + 1) {
    throw new FleetError(
      'quorum',
      `demoting ${host.target.id} would leave ${after.reachable} of ${after.managers} managers reachable; quorum needs ${Math.floor(after.managers / 2) + 1}`,
      { host: host.target.id, hint: 'bring the unreachable managers back first' },
    );
  }
  // Any other manager can carry the update; the demoted node may be the leader itself.
  const via = [...ctx.hosts.values()].find(
    (h) => h !== host && h.engine && h.membership === 'ours' && h.currentRole === 'manager',
  );
  if (!via) throw new FleetError('quorum', `no other manager to demote ${host.target.id} through`);
  ctx.bus.hostState(host.target.id, 'running', 'demoting');
  await ctx.change(host.target.id, 'demote to worker', async () => {
    await setRole(ctx, host, 'worker', via);
    if (ctx.cluster?.leader === host.target.id) ctx.cluster.leader = via.target.id;
    await refreshCluster(ctx);
  });
  recordAction(host, 'demoted to worker', ctx.dryRun);
  host.currentRole = 'worker';
}

/** A manager failed: ask on a TTY, continue with --yes, otherwise stop. */
async function continueWithFewer(ctx: SwarmContext, host: HostRecord, error: FleetError): Promise<void> {
  const id = host.target.id;
  if (ctx.options.yes) {
    ctx.bus.log('warn', `failed to join as manager; continuing with fewer managers (--yes)`, id);
    return;
  }
  if (ctx.options.interactive) {
    const yes = await ctx.options.ask(
      `${id} failed to join as manager: ${error.message}\ncontinue with fewer managers? [y/N] `,
    );
    if (yes) return;
  }
  throw new FleetError(error.code, `manager ${id} failed to join: ${error.message}`, {
    host: id,
    hint: 'fix the host and run fleet up again (it continues from here), or pass --yes to go on with fewer managers',
  });
}

export const managers: Phase<SwarmContext> = {
  title: TITLE,
  async run(ctx) {
    const wanted = usable(ctx)
      .filter((h) => h.role === 'manager' && h.result.status !== 'skipped')
      .sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
    for (const host of wanted) {
      if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted between manager joins');
      if (host.membership === 'ours' && host.currentRole === 'manager') continue;
      const started = Date.now();
      try {
        if (host.membership === 'ours') await promote(ctx, host);
        else await joinManager(ctx, host);
        host.result.durationMs += Date.now() - started;
        hostDone(ctx, host, Date.now() - started);
      } catch (err) {
        host.result.durationMs += Date.now() - started;
        const error = toFleetError(err);
        markFailed(host, TITLE, error, ctx);
        if (error.code === 'interrupted') throw error;
        await continueWithFewer(ctx, host, error);
      }
    }
    const demotions = usable(ctx).filter(
      (h) => h.membership === 'ours' && h.currentRole === 'manager' && h.role === 'worker',
    );
    for (const host of demotions) {
      if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted between demotions');
      await demote(ctx, host);
    }
  },
};
