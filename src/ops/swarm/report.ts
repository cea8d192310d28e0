/**
 * The JSON report of `fleet up` / `plan` / `down` (schema/up-report.schema.json): phase timings,
 * per-host results, what changed, the final topology. Secrets never enter it: tokens live only in
 * ctx.tokens, which is not read here, and the writer redacts everything once more.
 */
import type { FleetError } from '../../core/errors.js';
import { failureKind, type FailureKind } from '../../core/host.js';
import { stepHost } from '../../core/swarm-plan.js';
import { compatDevices, devicesSuccessRate, type CompatDevice } from '../../core/report-devices.js';
import type { PhaseTiming } from '../../runtime/phase.js';
import type { HostStatus, SwarmContext } from './context.js';

export interface UpReport {
  command: 'up' | 'plan' | 'down';
  timestamp: string;
  duration_seconds: number;
  dry_run: boolean;
  was_interrupted: boolean;
  cluster: { name: string; id: string | null };
  phases: {
    title: string;
    status: 'ok' | 'skipped' | 'failed';
    duration_seconds: number;
    reason: string | null;
  }[];
  total_devices: number;
  successful: number;
  unchanged: number;
  failed: number;
  skipped: number;
  interrupted: number;
  not_started: number;
  /** Percent of hosts in the wanted state (ok or unchanged), as the old scripts read it. */
  success_rate: number;
  hosts: {
    id: string;
    ip: string;
    role: 'manager' | 'worker' | null;
    rank: number | null;
    score: number | null;
    membership_before: string;
    status: HostStatus;
    actions: string[];
    error: string | null;
    /** One vocabulary with exec and backup (core/host.ts FailureKind). */
    failure: FailureKind | null;
    failure_phase: string | null;
    duration_seconds: number;
  }[];
  /** The same hosts as the bash module's scripts read them (core/report-devices.ts). */
  devices: CompatDevice[];
  changes: { host: string | null; description: string }[];
  topology: {
    id: string;
    hostname: string;
    role: 'manager' | 'worker';
    state: string;
    availability: string;
    leader: boolean;
    reachability: string | null;
    engine_version: string;
    labels: Record<string, string>;
  }[];
  quorum: { reachable: number; managers: number; needed: number } | null;
  error: string | null;
}

const sec = (ms: number) => Math.round(ms) / 1000;

export function buildUpReport(
  ctx: SwarmContext,
  input: {
    command: UpReport['command'];
    startedAt: Date;
    durationMs: number;
    timings: PhaseTiming[];
    error?: FleetError;
    membershipBefore: Map<string, string>;
  },
): UpReport {
  const hosts = [...ctx.hosts.values()].map((h) => ({
    id: h.target.id,
    ip: h.target.address,
    role: h.role ?? null,
    rank: h.rank ?? null,
    score: h.score ?? null,
    membership_before: input.membershipBefore.get(h.target.id) ?? h.membership,
    status: h.result.status,
    actions: h.result.actions,
    error: h.result.error ? h.result.error.message : null,
    failure: h.result.error ? failureKind(h.result.error.code) : null,
    failure_phase: h.result.phase ?? null,
    duration_seconds: sec(h.result.durationMs),
  }));
  const count = (s: string) => hosts.filter((h) => h.status === s).length;
  const devices = compatDevices(hosts);
  return {
    command: input.command,
    timestamp: input.startedAt.toISOString(),
    duration_seconds: sec(input.durationMs),
    dry_run: ctx.dryRun,
    was_interrupted: ctx.signal.aborted,
    cluster: {
      name: ctx.options.clusterName,
      id: ctx.cluster?.id ?? null,
    },
    phases: input.timings.map((t) => ({
      title: t.title,
      status: t.status,
      duration_seconds: sec(t.durationMs),
      reason: t.reason ?? null,
    })),
    total_devices: hosts.length,
    successful: count('ok'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    skipped: count('skipped'),
    interrupted: count('interrupted'),
    not_started: count('not-started'),
    success_rate: devicesSuccessRate(devices),
    hosts,
    devices,
    changes: ctx.changes.map((c) => ({ host: c.host ?? null, description: c.description })),
    topology: (ctx.topology ?? []).map((n) => ({
      id: n.id,
      hostname: n.hostname,
      role: n.role,
      state: n.state,
      availability: n.availability,
      leader: n.manager?.leader ?? false,
      reachability: n.manager?.reachability ?? null,
      engine_version: n.engineVersion,
      labels: n.labels,
    })),
    quorum: ctx.quorum ?? null,
    error: input.error ? input.error.message : null,
  };
}

/**
 * 0 all good; 4 some hosts failed, were left alone or never reached; the error's own code when the
 * run stopped; 130 after Ctrl-C.
 */
export function upExitCode(report: UpReport, error?: FleetError): number {
  if (report.was_interrupted) return 130;
  if (error) return error.exitCode;
  if (report.failed > 0 || report.skipped > 0 || report.interrupted > 0 || report.not_started > 0) return 4;
  return 0;
}

/** Plan steps that are work on a host (not notes about it). */
const NO_WORK = new Set(['skip', 'reuse', 'verify']);

/**
 * Final host statuses once a run stopped early (an error, Ctrl-C): a host still `unchanged` that
 * had planned work was never reached — `not-started`, never "unchanged" or "ok"; the host the
 * stopping error names is failed, so the counts, the report and the exit code tell one story.
 */
export function settleStatuses(ctx: SwarmContext, error: FleetError | undefined): void {
  if (ctx.dryRun) return;
  const stopped = Boolean(error) || ctx.signal.aborted;
  if (!stopped) return;
  const withWork = new Set(
    (ctx.plan?.steps ?? [])
      .filter((s) => !NO_WORK.has(s.kind))
      .map(stepHost)
      .filter((id): id is string => Boolean(id)),
  );
  const named = error?.host ? ctx.hosts.get(error.host) : undefined;
  if (named && error && error.code !== 'interrupted' && named.result.status !== 'failed') {
    named.result.status = 'failed';
    named.result.error = error;
  }
  for (const h of ctx.hosts.values()) {
    if (h.result.status === 'unchanged' && (withWork.has(h.target.id) || !ctx.plan)) {
      h.result.status = 'not-started';
    }
  }
}
