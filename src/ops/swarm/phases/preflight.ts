/**
 * Phase 1: connect to every host, read its facts, reach its Docker engine, learn who is in which
 * swarm, decide roles (written to role_assignments.json) and plan the run (core/swarm-plan: the
 * steps every later phase executes). A host that cannot be reached is marked failed here and skipped
 * by every later phase; the run ends "partial".
 */
import { preloadDockerClient } from '../../../adapters/docker/engine.js';
import { FleetError } from '../../../core/errors.js';
import { forEachHost } from '../../../runtime/for-each-host.js';
import type { Phase } from '../../../runtime/phase.js';
import { probeHost, type HostSlot } from '../../shared/phases/probe.js';
import { factsView, markFailed, type HostRecord, type SwarmContext } from '../context.js';
import { classify, waitForLaggingManagers, waitForPendingJoins } from '../observe.js';
import { settleLeaderless } from '../recover.js';
import { decideRoles, liveRole } from '../roles.js';
import { makePlan, stepsOf } from '../plan.js';
import { checkJoinPorts } from '../port-preflight.js';

const TITLE = 'preflight';

/** Connect, facts (up only) and the engine handshake for every host (ops/shared/phases/probe.ts). */
async function probeAll(ctx: SwarmContext, hosts: HostRecord[]): Promise<void> {
  const slots = new Map<HostRecord, HostSlot>(hosts.map((h) => [h, { target: h.target, durationMs: 0 }]));
  // Handshakes are capped by the SSH pool; this only bounds the work in flight per run.
  await forEachHost(hosts, { concurrency: Math.max(ctx.options.concurrency, 16) }, async (host) => {
    const slot = slots.get(host)!;
    await probeHost(ctx, slot, {
      facts: ctx.command === 'up',
      factsOutput: ctx.lockOutput,
      sudoPassword: ctx.options.sudoPassword,
    });
    host.conn = slot.conn;
    host.facts = slot.facts && factsView(slot.facts);
    host.engine = slot.engine;
    host.info = slot.info;
    host.result.durationMs += slot.durationMs;
    if (slot.error) {
      host.membership = 'unknown';
      markFailed(host, TITLE, slot.error, ctx);
    }
  });
}

/**
 * A manager fleet cannot trust or log in to (host key, authentication) stops the run before anything
 * changes: it may well be alive and leading, and planning around it re-ranks a healthy control plane.
 * A manager that is merely unreachable is the planner's business (kept, reported, run partial).
 */
function stopOnUntrustedManager(ctx: SwarmContext, hosts: HostRecord[]): void {
  for (const host of hosts) {
    const err = host.result.error;
    if (!err || (err.code !== 'hostkey' && err.code !== 'auth')) continue;
    const pinned = host.target.role === 'manager';
    const live = liveRole(ctx, host.target, host) === 'manager';
    // With no cluster observed the host may be its only manager: refuse to plan without it.
    if (!pinned && !live && ctx.cluster) continue;
    const what = live
      ? 'a manager of this swarm'
      : pinned
        ? 'pinned as manager'
        : 'possibly a manager (no swarm of this cluster seen)';
    throw new FleetError(
      err.code,
      `${host.target.id} is ${what} and cannot be observed: ${err.message}; nothing was changed`,
      {
        host: host.target.id,
        hint: err.hint ?? 'fix its host key or credentials, then run again',
        retryable: false,
      },
    );
  }
}

export const preflight: Phase<SwarmContext> = {
  title: TITLE,
  async run(ctx) {
    const hosts = [...ctx.hosts.values()];
    ctx.bus.phaseHosts(TITLE, ctx.hosts.keys());
    const probing = probeAll(ctx, hosts);
    // dockerode (it pulls in grpc and protobuf: ~0.3 s of CPU on this thread, CPU profile of a 16-host
    // up) is first needed by the first change (swarm init, join, leave); the probes' reads go without
    // it. Loaded before the cluster lock, it held back the lock's SSH handshakes by that long; loaded
    // here, once the probes' requests are out (a timer runs after the pending writes), it overlaps the
    // hosts' own work: facts.sh and the engine handshakes.
    setTimeout(preloadDockerClient, 0);
    await probing;
    if (ctx.signal.aborted) throw new FleetError('interrupted', 'interrupted during preflight');
    if (!hosts.some((h) => h.engine)) {
      const first = hosts.find((h) => h.result.error)?.result.error;
      throw new FleetError(
        first?.code ?? 'connect',
        `no host could be reached: ${first?.message ?? 'no hosts'}`,
        {
          host: first?.host,
          hint: first?.hint,
        },
      );
    }
    const recovery = await settleLeaderless(ctx);
    if (recovery && ctx.dryRun) {
      // The swarm stays leaderless in a dry run: nothing after the recovery can be read or planned.
      const note =
        'the rest of the plan is made once the swarm has a leader again (fleet up does both in one run)';
      ctx.plan = { steps: [recovery], notes: [note], managers: 1, quorum: 1, unresolved: [] };
      ctx.bus.log('info', note);
      return;
    }
    await classify(ctx);
    if (await waitForPendingJoins(ctx)) await classify(ctx);
    await waitForLaggingManagers(ctx);
    stopOnUntrustedManager(ctx, hosts);
    for (const host of hosts) {
      if (host.membership !== 'foreign') continue;
      const what = host.foreignCluster ? `swarm ${host.foreignCluster.slice(0, 12)}` : 'another swarm';
      if (!ctx.options.force) {
        host.result.status = 'skipped';
        host.result.actions.push(`left alone: member of ${what}`);
      }
      ctx.bus.log(
        'warn',
        ctx.options.force
          ? `is in ${what}; --force: it will leave it and join this cluster`
          : `is in ${what}, not this cluster's; left alone (use --force to move it)`,
        host.target.id,
      );
    }
    if (ctx.command === 'up') await decideRoles(ctx);
    await makePlan(ctx);
    if (recovery) ctx.plan!.steps.unshift(recovery);
    await checkJoinPorts(ctx);
    // Hosts the planner leaves alone for reasons preflight did not already report (a locked swarm).
    // For down, a host in no swarm has nothing to leave: that is no failure.
    for (const step of stepsOf(ctx, 'skip')) {
      const host = ctx.hosts.get(step.host);
      if (!host || host.result.status === 'failed' || host.result.status === 'skipped') continue;
      if (step.cause === 'not-member') continue;
      host.result.status = 'skipped';
      host.result.actions.push(step.reason);
      ctx.bus.log('warn', step.reason, step.host);
    }
  },
};
