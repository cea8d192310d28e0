/**
 * Runs `fleet up` / `plan` / `down`: targets → SSH pool → phases → view, report, exit code.
 * Imported lazily by the command files. The first Ctrl-C aborts what can be abandoned at once and
 * gives a join in flight a few seconds (swarm/join.ts); a second exits 130 at once. Either way the
 * report is written, and the next `up` continues (repairing a join Ctrl-C cut short).
 */
import type { Command } from 'commander';
import {
  applyIdentityFiles,
  applyInventoryDefaults,
  type SshCliOptions,
} from '../../frontends/cli/ssh-options.js';
import { lockClusterForRun, type LockCliOptions } from '../../frontends/cli/cluster-lock-options.js';
import { confirm } from '../../frontends/cli/prompt.js';
import { openRunSession } from '../../runtime/session.js';
import { resolveTargets, type TargetCliOptions } from '../../frontends/cli/target-options.js';
import { resolveSwarmNetwork } from '../../core/config.js';
import type { HostTarget } from '../../core/host.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import { createPhaseContext, runPhases, type Phase, type PhaseTiming } from '../../runtime/phase.js';
import { serializeReport, writeRunReport, writeRunReportSync } from '../../adapters/report-files.js';
import { failureKind } from '../../core/host.js';
import { sleep } from '../../core/poll.js';
import { newResult, type HostRecord, type SwarmContext, type UpOptions } from './context.js';
import { buildUpReport, settleStatuses, topologyTable, upExitCode } from './report.js';

/** How long closing the SSH connections may take before the run ends anyway. */
const CLOSE_WAIT_MS = 3000;

export interface SwarmCliOptions extends SshCliOptions, TargetCliOptions, LockCliOptions {
  concurrency: number;
  dryRun?: boolean;
  force?: boolean;
  yes?: boolean;
  managers?: number;
  allowEvenManagers?: boolean;
  replaceUnreachableManagers?: boolean;
  clusterName: string;
  settleTimeout: number;
  report?: string;
  json?: boolean;
  roleAssignments: string;
}

export async function loadPhases(command: 'up' | 'down'): Promise<Phase<SwarmContext>[]> {
  const { preflight } = await import('./phases/preflight.js');
  if (command === 'down') {
    const { leaveWorkers, leaveManagers } = await import('./phases/down.js');
    return [preflight, leaveWorkers, leaveManagers];
  }
  const [{ init }, { tokens }, { managers }, { workers }, { labels }, { network }, { verify }] =
    await Promise.all([
      import('./phases/init.js'),
      import('./phases/tokens.js'),
      import('./phases/managers.js'),
      import('./phases/workers.js'),
      import('./phases/labels.js'),
      import('./phases/network.js'),
      import('./phases/verify.js'),
    ]);
  return [preflight, init, tokens, managers, workers, labels, network, verify];
}

export async function runSwarmCommand(
  command: 'up' | 'plan' | 'down',
  cliOpts: SwarmCliOptions,
  cmd: Pick<Command, 'getOptionValueSource'>,
): Promise<number> {
  const resolved = await resolveTargets(cliOpts, undefined, { defaultToAll: true });
  // nodes.yml maxJobs is exec's knob; the worker pool keeps its own default.
  const opts = {
    ...applyInventoryDefaults(cliOpts, cmd, resolved.inventory?.defaults),
    concurrency: cliOpts.concurrency,
  };
  const targets = applyIdentityFiles(resolved.hosts, opts);
  if (targets.length === 0)
    throw new FleetError('usage', 'no hosts selected', { hint: 'use -n HOSTS or --all' });
  const dryRun = command === 'plan' || Boolean(opts.dryRun);
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  if (command === 'down' && !dryRun && !opts.yes) {
    if (!interactive) throw new FleetError('usage', 'fleet down needs --yes when no terminal can confirm');
    if (!(await confirm(`leave the swarm on ${targets.length} hosts (workers first, leader last)? [y/N] `)))
      return 2;
  }

  const session = await openRunSession(opts, targets, {
    json: opts.json,
    warnings: resolved.warnings,
    onInterrupt: 'stopping (a join in flight gets a few seconds), then writing the report',
  });
  if (!dryRun) await lockClusterForRun(session, command, targets, opts);
  const { bus, signal, sudoPassword } = session;

  const upOptions: UpOptions = {
    clusterName: opts.clusterName,
    concurrency: opts.concurrency,
    force: Boolean(opts.force),
    yes: Boolean(opts.yes),
    interactive,
    ask: confirm,
    network: { ...resolveSwarmNetwork(resolved.inventory?.defaults), driver: 'overlay' },
    managers: opts.managers ?? resolved.inventory?.defaults.swarm.managers,
    allowEvenManagers: Boolean(opts.allowEvenManagers),
    roleAssignmentsFile: opts.roleAssignments,
    retries: opts.retries,
    retryDelayMs: Math.round(opts.retryDelay * 1000),
    settleTimeoutMs: Math.round(opts.settleTimeout * 1000),
    sudoPassword,
    replaceUnreachableManagers: Boolean(opts.replaceUnreachableManagers),
  };
  const pool = await session.pool();
  const hosts = new Map<string, HostRecord>(
    targets.map((t) => [t.id, { target: t, membership: 'unknown', result: newResult() }]),
  );
  let spares: HostTarget[] | undefined;
  if (resolved.inventory) {
    const all = await resolveTargets({ inventory: cliOpts.inventory, all: true }, undefined, {
      defaultToAll: true,
    });
    spares = applyIdentityFiles(all.hosts, opts).filter((t) => !hosts.has(t.id));
  }
  const ctx: SwarmContext = {
    ...createPhaseContext(bus, dryRun, signal),
    command: command === 'down' ? 'down' : 'up',
    options: upOptions,
    pool,
    hosts,
    spares,
    notes: [],
    done: new Set(),
  };
  const startedAt = new Date();
  bus.emit({ type: 'run:start', command, hosts: targets.map((t) => t.id), at: startedAt.getTime() });
  let timings: PhaseTiming[];
  let error: FleetError | undefined;
  let membershipBefore = new Map<string, string>();
  const phases = await loadPhases(ctx.command);
  // Snapshot membership right after preflight, before later phases update it.
  const [first, ...rest] = phases;
  const snapshot: Phase<SwarmContext> = {
    ...first!,
    async run(c) {
      await first!.run(c);
      membershipBefore = new Map([...c.hosts.values()].map((h) => [h.target.id, h.membership]));
    },
  };
  let report;
  timings = [];
  // A second Ctrl-C exits at once: the report of what happened so far is still written.
  session.onForceExit(() => {
    settleStatuses(ctx, new FleetError('interrupted', 'interrupted (Ctrl-C twice)'));
    const durationMs = Date.now() - startedAt.getTime();
    const partial = buildUpReport(ctx, { command, startedAt, durationMs, timings, error, membershipBefore });
    const path = writeRunReportSync(command, partial, startedAt, opts.report);
    process.stderr.write(`report: ${path}\n`);
  });
  try {
    try {
      timings = await runPhases([snapshot, ...rest], ctx);
    } catch (err) {
      error = toFleetError(err);
      timings = (err as { timings?: PhaseTiming[] }).timings ?? [];
      if (signal.aborted) error = new FleetError('interrupted', error.message);
    } finally {
      for (const h of hosts.values()) h.engine?.close();
      ctx.observer?.engine?.close();
      // Closing waits for each connection's goodbye; a host whose link is cut never sends one.
      await Promise.race([session.closePool(), sleep(CLOSE_WAIT_MS)]);
    }
    settleStatuses(ctx, error);
    for (const h of hosts.values()) {
      if (h.result.reported) continue;
      const status = h.result.status;
      const notStarted = status === 'not-started';
      const ok = status === 'ok' || status === 'unchanged';
      const failure = status === 'interrupted' ? 'interrupted' : undefined;
      const detail =
        status === 'skipped'
          ? h.result.actions.join('; ')
          : notStarted
            ? 'not started'
            : h.result.error?.message;
      bus.emit({
        type: 'host:done',
        host: h.target.id,
        ok,
        notStarted,
        skipped: status === 'skipped',
        failure: h.result.error ? (failureKind(h.result.error.code) ?? undefined) : failure,
        error: detail,
        durationMs: h.result.durationMs,
      });
    }
    const durationMs = Date.now() - startedAt.getTime();
    report = buildUpReport(ctx, { command, startedAt, durationMs, timings, error, membershipBefore });
    const path = await writeRunReport(command, report, startedAt, opts.report);
    bus.log('info', `report: ${path}`);
    const exitCode = upExitCode(report, error);
    bus.emit({
      type: 'run:done',
      ok: exitCode === 0,
      durationMs,
      interrupted: report.was_interrupted,
      error: error && !report.was_interrupted ? error.message : undefined,
      exitCode,
    });
  } finally {
    await session.close();
  }
  if (opts.json) {
    process.stdout.write(serializeReport(report));
  } else {
    printSummary(ctx, command, report, error);
  }
  const code = upExitCode(report, error);
  if (error && !report.was_interrupted) throw error;
  return code;
}

function printSummary(
  ctx: SwarmContext,
  command: 'up' | 'plan' | 'down',
  report: ReturnType<typeof buildUpReport>,
  error: FleetError | undefined,
): void {
  const out: string[] = [];
  if (ctx.dryRun) {
    out.push(
      report.changes.length === 0 ? 'plan: nothing to change' : `plan: ${report.changes.length} changes`,
    );
    report.changes.forEach((c, i) => out.push(`  ${i + 1}. ${c.host ? `${c.host}: ` : ''}${c.description}`));
  } else if (!error && report.changes.length === 0) {
    out.push(
      command === 'down'
        ? 'nothing to change: no selected host is in this swarm'
        : 'nothing to change: the swarm already matches nodes.yml',
    );
  } else if (report.changes.length > 0) {
    out.push(`${report.changes.length} changes made`);
  }
  const table = topologyTable(ctx);
  if (table.length > 0) out.push('', ...table);
  if (report.quorum) {
    out.push(`quorum ${report.quorum.reachable}/${report.quorum.managers} (needs ${report.quorum.needed})`);
  }
  const bad = report.hosts.filter((h) => h.status !== 'ok' && h.status !== 'unchanged');
  if (bad.length > 0) {
    out.push('', 'not done:');
    for (const h of bad) {
      const why =
        h.status === 'skipped'
          ? h.actions.join('; ')
          : h.status === 'not-started'
            ? 'not started'
            : h.status === 'interrupted'
              ? `interrupted${h.error ? `: ${h.error}` : ''}`
              : `${h.failure ? `(${h.failure}) ` : ''}${h.error ?? 'failed'}`;
      out.push(`  ${h.id}: ${why}`);
    }
  }
  process.stdout.write(redact(out.join('\n')) + '\n');
}
