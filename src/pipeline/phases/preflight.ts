/**
 * Phase 1: connect to every host, read its facts, reach its Docker engine, learn who is in which
 * swarm, decide roles (written to role_assignments.json) and plan the run (core/swarm-plan: the
 * steps every later phase executes). A host that cannot be reached is marked failed here and skipped
 * by every later phase; the run ends "partial".
 */
import pLimit from 'p-limit';
import { createDockerEngine } from '../../adapters/docker/engine.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { Phase } from '../phase.js';
import { markFailed, type HostRecord, type SwarmContext } from '../../swarm/context.js';
import { readFacts } from '../../swarm/facts.js';
import { classify, waitForLeader } from '../../swarm/observe.js';
import { decideRoles, liveRole } from '../../swarm/roles.js';
import { makePlan, stepsOf } from '../../swarm/plan.js';

const TITLE = 'preflight';

async function probeHost(ctx: SwarmContext, host: HostRecord): Promise<void> {
  const id = host.target.id;
  const started = Date.now();
  try {
    ctx.bus.hostState(id, 'connecting');
    host.conn = await ctx.pool.connect(host.target, ctx.signal);
    ctx.bus.hostState(id, 'running', 'facts, docker');
    const conn = host.conn;
    // Facts and the engine handshake use separate channels of the one connection, at the same time.
    const [facts, engine] = await Promise.all([
      ctx.command === 'up' ? readFacts(conn, ctx.signal) : Promise.resolve(undefined),
      createDockerEngine(conn, { signal: ctx.signal, sudoPassword: ctx.options.sudoPassword }),
    ]);
    host.facts = facts;
    host.engine = engine;
    host.info = { ...(await engine.info(ctx.signal)), apiVersion: engine.apiVersion };
    host.result.durationMs += Date.now() - started;
    ctx.bus.hostState(id, 'waiting', `docker ${engine.serverVersion} (API ${engine.apiVersion})`);
  } catch (err) {
    host.result.durationMs += Date.now() - started;
    host.membership = 'unknown';
    markFailed(host, TITLE, toFleetError(err), ctx);
  }
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
    // Handshakes are capped by the SSH pool; this only bounds the work in flight per run.
    const limit = pLimit(Math.max(ctx.options.concurrency, 16));
    await Promise.all(hosts.map((h) => limit(() => probeHost(ctx, h))));
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
    await waitForLeader(ctx);
    await classify(ctx);
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
