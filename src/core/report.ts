/**
 * Pure report building for `fleet exec` (and the counting/exit-code rules other commands reuse).
 * The shape is the contract in schema/exec-report.schema.json; snake_case because scripts and
 * dashboards read it. It is also the shape the bash module fleet replaces wrote, which existing
 * scripts consume as written (`jq -r '.devices[] | select(.status != "success") | .ip'`,
 * `.success_rate`): the per-host list is `devices` and a host that succeeded is `success`.
 */
import type { FailureKind } from './host.js';

export type HostStatus = 'success' | 'failed' | 'interrupted' | 'skipped';

export interface ExecHostReport {
  id: string;
  ip: string;
  status: HostStatus;
  exit_code: number | null;
  duration_seconds: number;
  output: string;
  stderr: string;
  error: string | null;
  failure: FailureKind | null;
  /** Present when a stream was longer than --max-output: what was cut and where the rest went. */
  truncated?: { stdout?: CutOutput; stderr?: CutOutput };
}

/** One stream cut to --max-output: the report keeps its first and last halves. */
export interface CutOutput {
  total_bytes: number;
  kept_bytes: number;
  /** sha256 of the full stream, to check the --outdir file (or tell two cut outputs apart). */
  sha256: string;
  /** The --outdir file holding every byte; null when it went only to the terminal. */
  full_output: string | null;
}

export interface ExecReport {
  command: string;
  timestamp: string;
  total_devices: number;
  successful: number;
  failed: number;
  interrupted: number;
  skipped: number;
  /** Percent of all targeted devices that succeeded, 0..100, two decimals. */
  success_rate: number;
  duration_seconds: number;
  /** True when Ctrl-C (or SIGTERM) stopped the run before every host finished. */
  was_interrupted: boolean;
  /** The per-host, per-stream limit on output kept in this report (--max-output). */
  max_output_bytes?: number;
  /** reports/last-exec.json only: the report holding the hosts' output, which is left out here. */
  full_report?: string;
  devices: ExecHostReport[];
}

export interface BuildExecReportInput {
  command: string;
  startedAt: Date;
  durationMs: number;
  interrupted?: boolean;
  maxOutputBytes?: number;
  hosts: ExecHostReport[];
}

export function roundSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

export function successRate(successful: number, total: number): number {
  if (total <= 0) return 0;
  return Math.round((successful / total) * 10000) / 100;
}

export function buildExecReport(input: BuildExecReportInput): ExecReport {
  const count = (status: HostStatus) => input.hosts.filter((h) => h.status === status).length;
  const successful = count('success');
  return {
    command: input.command,
    timestamp: input.startedAt.toISOString(),
    total_devices: input.hosts.length,
    successful,
    failed: count('failed'),
    interrupted: count('interrupted'),
    skipped: count('skipped'),
    success_rate: successRate(successful, input.hosts.length),
    duration_seconds: roundSeconds(input.durationMs),
    was_interrupted: input.interrupted ?? input.hosts.some((h) => h.status === 'interrupted'),
    ...(input.maxOutputBytes === undefined ? {} : { max_output_bytes: input.maxOutputBytes }),
    devices: input.hosts,
  };
}

const UNREACHABLE: ReadonlySet<FailureKind> = new Set(['connect', 'auth', 'hostkey', 'timeout']);

/**
 * The exit code contract of `fleet exec`: 130 when interrupted; otherwise 3 when any host was
 * unreachable, refused auth, had a bad host key or timed out (it wins over 1, because "the fleet is
 * broken" is the more urgent news); 1 when a command exited non-zero or died by a signal; else 0.
 */
export function execExitCode(report: Pick<ExecReport, 'devices' | 'was_interrupted'>): number {
  if (report.was_interrupted) return 130;
  let code = 0;
  for (const host of report.devices) {
    if (host.status !== 'failed') continue;
    if (host.failure && UNREACHABLE.has(host.failure)) return 3;
    code = 1;
  }
  return code;
}

/**
 * reports/last-exec.json: what --rerun-failed needs (statuses, failures, the command) without a
 * second copy of every host's output, which stays in the run's own report at `fullReport`.
 */
export function withoutOutput(report: ExecReport, fullReport: string): ExecReport {
  return {
    ...report,
    full_report: fullReport,
    devices: report.devices.map((h) => ({ ...h, output: '', stderr: '' })),
  };
}

/**
 * Ids of hosts a `--rerun-failed` should target: everything that did not succeed. Reports written
 * before issue 10 list `hosts` with status `ok`; they are still read.
 */
export function failedHostIds(report: unknown): string[] | undefined {
  const r = report as { devices?: unknown; hosts?: unknown };
  const list = Array.isArray(r.devices) ? r.devices : Array.isArray(r.hosts) ? r.hosts : undefined;
  if (list === undefined) return undefined;
  return (list as { id?: unknown; status?: unknown }[])
    .filter((h) => h.status !== 'success' && h.status !== 'ok')
    .map((h) => String(h.id));
}
