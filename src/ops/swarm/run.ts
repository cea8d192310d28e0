/**
 * Runs `fleet up` / `plan` / `down` as an operation: phases over the given hosts, the report written,
 * the typed result returned. The front end resolves the targets, asks down's confirmation, opens the
 * session (view, Ctrl-C, cluster lock) and prints the summary (frontends/cli/commands/up.ts). The
 * first Ctrl-C aborts what can be abandoned at once and gives a join in flight a few seconds
 * (swarm/join.ts); a second exits 130 at once. Either way the report is written, and the next `up`
 * continues (repairing a join Ctrl-C cut short).
 */
import type { SwarmNode } from '../../adapters/docker/types.js';
import type { HostTarget } from '../../core/host.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import { createPhaseContext, runPhases, type Phase, type PhaseTiming } from '../../runtime/phase.js';
import type { ConfirmRequest, OperationResult, Runtime } from '../../runtime/types.js';
import { failureKind } from '../../core/host.js';
import { withDeadline } from '../../core/poll.js';
import { FACTS_DOCKER_FROM_API, FACTS_SCRIPT } from '../shared/facts-reader.js';
import { newResult, type HostRecord, type SwarmContext, type UpOptions } from './context.js';
import { buildUpReport, settleStatuses, upExitCode, type UpReport } from './report.js';

/** How long closing the SSH connections may take before the run ends anyway. */
const CLOSE_WAIT_MS = 3000;

export interface SwarmInput {
  command: 'up' | 'plan' | 'down';
  /** The selected hosts, in inventory order. */
  hosts: HostTarget[];
  /** Inventory hosts outside the selection (SwarmContext.spares). */
  spares?: HostTarget[];
  /** plan, or --dry-run: change nothing, record the plan's steps. */
  dryRun: boolean;
  /** The sudo password comes from the runtime. */
  options: Omit<UpOptions, 'sudoPassword'>;
  /** --report FILE. */
  reportPath?: string;
}

export interface SwarmResult {
  report: UpReport;
  /** The node list after the run (empty when none was read). */
  topology: SwarmNode[];
  /** Swarm node id → host id, for the summary table. */
  hostIds: Map<string, string>;
}

/** What the report looked like when a second Ctrl-C ends the process at once. */
export interface PartialSwarmReport {
  command: SwarmInput['command'];
  report: UpReport;
  startedAt: Date;
}

export interface SwarmRunHooks {
  /**
   * The front end's last-moment hook (the CLI: a second Ctrl-C exits at once). It calls `partial`
   * and writes that report synchronously, so what happened so far is still on disk.
   */
  onForceExit?(partial: () => PartialSwarmReport): void;
}

/**
 * The read-only script the cluster lock's session runs for this command (Runtime.lockOutput):
 * `up` reads facts.sh there, one login-shell start per host instead of two. Without the docker CLI
 * probes: preflight's GET /info on the same connection has those facts (ops/shared/phases/probe.ts),
 * and two docker CLI starts per host were ~40 % of preflight on 16 lab hosts sharing two cores.
 */
export function lockAlsoRun(command: SwarmInput['command']): string | undefined {
  return command === 'up' ? `${FACTS_SCRIPT} ${FACTS_DOCKER_FROM_API}` : undefined;
}

/** down's "are you sure", asked by the front end before the run starts; none for plan, --dry-run, --yes. */
export function downConfirmation(
  input: Pick<SwarmInput, 'command' | 'dryRun' | 'hosts' | 'options'>,
): ConfirmRequest | undefined {
  if (input.command !== 'down' || input.dryRun || input.options.yes) return undefined;
  return {
    id: 'down',
    question: `leave the swarm on ${input.hosts.length} hosts (workers first, leader last)? [y/N] `,
  };
}

/**
 * The phases of a run, loaded (a front end may call this before taking the cluster lock). The
 * Docker client is not: preflight starts loading it once its probes are out (see there).
 */
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

export async function runSwarm(
  input: SwarmInput,
  rt: Runtime,
  hooks: SwarmRunHooks = {},
): Promise<OperationResult<SwarmResult>> {
  const { command, dryRun } = input;
  const { bus, signal } = rt;
  const pool = await rt.pool();
  const hosts = new Map<string, HostRecord>(
    input.hosts.map((t) => [t.id, { target: t, membership: 'unknown', result: newResult() }]),
  );
  const ctx: SwarmContext = {
    ...createPhaseContext(bus, dryRun, signal),
    command: command === 'down' ? 'down' : 'up',
    options: { ...input.options, sudoPassword: rt.sudoPassword },
    ask: rt.ask,
    pool,
    lockOutput: rt.lockOutput,
    hosts,
    spares: input.spares,
    notes: [],
    done: new Set(),
  };
  const startedAt = new Date();
  bus.emit({ type: 'run:start', command, hosts: input.hosts.map((t) => t.id), at: startedAt.getTime() });
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
  timings = [];
  hooks.onForceExit?.(() => {
    settleStatuses(ctx, new FleetError('interrupted', 'interrupted (Ctrl-C twice)'));
    const durationMs = Date.now() - startedAt.getTime();
    const report = buildUpReport(ctx, { command, startedAt, durationMs, timings, error, membershipBefore });
    return { command, report, startedAt };
  });
  try {
    timings = await runPhases([snapshot, ...rest], ctx);
  } catch (err) {
    error = toFleetError(err);
    timings = (err as { timings?: PhaseTiming[] }).timings ?? [];
    if (signal.aborted) error = new FleetError('interrupted', error.message);
  } finally {
    for (const h of hosts.values()) h.engine?.close();
    ctx.observer?.engine?.close();
    // Closing waits for each connection's goodbye; a host whose link is cut never sends one. The
    // deadline's timer is cleared once the pool is closed: a pending one kept the process alive for
    // the whole 3 s after every `fleet up` and `fleet down`.
    await withDeadline('closing connections', CLOSE_WAIT_MS, undefined, () => rt.releasePool()).catch(
      () => undefined,
    );
  }
  settleStatuses(ctx, error);
  emitHostsDone(ctx);
  const durationMs = Date.now() - startedAt.getTime();
  const report = buildUpReport(ctx, { command, startedAt, durationMs, timings, error, membershipBefore });
  const reportPath = await rt.writeReport(command, report, startedAt, input.reportPath);
  bus.log('info', `report: ${reportPath}`);
  const exitCode = upExitCode(report, error);
  bus.emit({
    type: 'run:done',
    ok: exitCode === 0,
    durationMs,
    interrupted: report.was_interrupted,
    error: error && !report.was_interrupted ? error.message : undefined,
    exitCode,
  });
  const hostIds = new Map(
    [...hosts.values()].filter((h) => h.nodeId).map((h) => [h.nodeId!, h.target.id] as const),
  );
  return { result: { report, topology: ctx.topology ?? [], hostIds }, error, reportPath };
}

/** host:done for every host no phase reported (unchanged, skipped, not started, interrupted). */
function emitHostsDone(ctx: SwarmContext): void {
  for (const h of ctx.hosts.values()) {
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
    ctx.bus.emit({
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
}
