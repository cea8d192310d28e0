/**
 * What `fleet push` and `fleet pull` share per host: running a remote/ script with arguments (never
 * a secret among them) over the host's pooled connection, throttled byte-progress events, and the
 * one place a host's report row and its host:done event are made.
 */
import { loadRemoteScript } from '../../adapters/remote-scripts.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import type { ExecOptions, ExecResult, SshConnection } from '../../adapters/ssh/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import { failureKind, type HostTarget } from '../../core/host.js';
import { roundSeconds } from '../../core/report.js';
import { shouldReport } from '../../core/transfer-progress.js';
import {
  buildTransferReport,
  type TransferFailure,
  type TransferHostReport,
  type TransferReport,
} from '../../core/transfer-report.js';
import type { EventBus } from '../../runtime/events.js';
import { finishRun } from '../../runtime/finish-run.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';

/** `sh -c SCRIPT NAME ARGS…`: the script text and its arguments on the command line, stdin free for data. */
export async function runRemoteScript(
  conn: SshConnection,
  script: string,
  args: string[],
  options: ExecOptions,
): Promise<ExecResult> {
  const text = await loadRemoteScript(script);
  const command = [
    'sh',
    '-c',
    shQuote(text),
    shQuote(`fleet-${script.replace(/\.sh$/, '')}`),
    ...args.map(shQuote),
  ];
  return conn.exec(command.join(' '), options);
}

/** The last line of a failed script's stderr, for the report. */
export function lastLine(result: ExecResult): string {
  const lines = result.stderr.toString('utf8').trim().split('\n');
  return lines[lines.length - 1]?.replace(/^fleet: /, '') ?? '';
}

/** Byte progress of one host, at most every 100 ms (and always the final count). */
export function progressReporter(bus: EventBus, host: string, total: number): (done: number) => void {
  let lastAt = 0;
  return (done) => {
    const now = Date.now();
    if (!shouldReport(lastAt, now, done, total)) return;
    lastAt = now;
    bus.emit({ type: 'host:progress', host, done, total, unit: 'bytes' });
  };
}

export type HostCounts = Pick<
  TransferHostReport,
  'files_sent' | 'files_skipped' | 'bytes_sent' | 'sha256_verified'
>;

export const NO_COUNTS: HostCounts = { files_sent: 0, files_skipped: 0, bytes_sent: 0, sha256_verified: 0 };

/** Makes a host's report row from how it ended, and tells the views. */
export function finishHost(
  bus: EventBus,
  host: HostTarget,
  started: number,
  counts: HostCounts,
  outcome: { error?: unknown; interrupted?: boolean; localDir?: string },
): TransferHostReport {
  const durationMs = Date.now() - started;
  let status: TransferHostReport['status'] = 'success';
  let failure: TransferFailure | null = null;
  let error: string | null = null;
  if (outcome.interrupted) {
    status = 'interrupted';
    failure = 'interrupted';
    error = 'interrupted';
  } else if (outcome.error !== undefined) {
    const e = toFleetError(outcome.error);
    status = e.code === 'interrupted' ? 'interrupted' : 'failed';
    failure = e.code === 'integrity' ? 'integrity' : (failureKind(e.code) ?? 'exit');
    error = (e.hint ? `${e.message} (${e.hint})` : e.message).replace(/\s*\n\s*/g, ' ');
  }
  bus.emit({
    type: 'host:done',
    host: host.id,
    ok: status === 'success',
    failure: failure === 'integrity' ? 'exit' : (failure ?? undefined),
    error: error ?? undefined,
    durationMs,
  });
  return {
    id: host.id,
    ip: host.address,
    status,
    ...counts,
    duration_seconds: roundSeconds(durationMs),
    error,
    failure,
    ...(outcome.localDir === undefined ? {} : { local_dir: outcome.localDir }),
  };
}

/** A remote step that exited non-zero, as an error naming the host and what the script said. */
export function stepFailed(host: HostTarget, step: string, result: ExecResult): FleetError {
  if (result.timedOut) return new FleetError('timeout', `${step} timed out on ${host.id}`, { host: host.id });
  const said = lastLine(result);
  return new FleetError(
    'remote-exit',
    `${step} failed on ${host.id} (exit ${result.exitCode ?? result.signal})${said ? `: ${said}` : ''}`,
    {
      host: host.id,
    },
  );
}

/** The inputs push and pull share. */
export interface TransferInput {
  hosts: HostTarget[];
  concurrency: number;
  /** Rewrite files whose sha256 already matches (default: skip them). */
  force?: boolean;
  sudo?: boolean;
  reportPath?: string;
}

/** What only the command knows of its report; the run's duration and interruption come from `rt`. */
export type TransferTotals = Omit<
  Parameters<typeof buildTransferReport>[0],
  'startedAt' | 'durationMs' | 'interrupted'
>;

/**
 * How push and pull end: the report built (duration until now, interrupted when Ctrl-C was pressed),
 * written and named, run:done from its counts (finishRun).
 */
export function finishTransferRun(
  rt: Runtime,
  totals: TransferTotals,
  startedAt: Date,
  reportPath: string | undefined,
): Promise<OperationResult<TransferReport>> {
  const report = buildTransferReport({
    ...totals,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    interrupted: rt.signal.aborted,
  });
  return finishRun(rt, {
    name: report.command,
    report,
    startedAt,
    reportPath,
    ok: report.successful === report.total_devices,
    interrupted: report.was_interrupted,
    durationMs: report.duration_seconds * 1000,
  });
}
