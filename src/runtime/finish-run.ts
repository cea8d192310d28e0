/**
 * THE end of an operation that writes a report: write it (atomically, also after Ctrl-C), log its
 * path, emit run:done, and hand back the OperationResult. node, service, stack, backup/restore and
 * push/pull end this way; only what goes into run:done differs, so the caller says it.
 */
import { toFleetError, type FleetError } from '../core/errors.js';
import type { OperationResult, Runtime } from './types.js';

export interface RunEnding<R> {
  /** Report name: `reports/<name>-<time>.json` and `reports/last-<name>.json`. */
  name: string;
  report: R;
  startedAt: Date;
  /** --report FILE instead of the default name. */
  reportPath?: string;
  /** The error that stopped the run, if one did (returned with the result). */
  error?: FleetError;
  /** Default: no error. */
  ok?: boolean;
  /** Default: the error is an interruption, or the run's signal was aborted. */
  interrupted?: boolean;
  /** Default: since startedAt. */
  durationMs?: number;
  /** Put into run:done so the summary can name it (default: none). */
  exitCode?: number;
  /** Also name the error in run:done (default: yes). */
  announceError?: boolean;
}

export async function finishRun<R>(rt: Runtime, end: RunEnding<R>): Promise<OperationResult<R>> {
  const path = await rt.writeReport(end.name, end.report, end.startedAt, end.reportPath);
  rt.bus.log('info', `report: ${path}`);
  rt.bus.emit({
    type: 'run:done',
    ok: end.ok ?? !end.error,
    durationMs: end.durationMs ?? Date.now() - end.startedAt.getTime(),
    interrupted: end.interrupted ?? (end.error?.code === 'interrupted' || rt.signal.aborted),
    ...(end.announceError !== false && end.error ? { error: end.error.message } : {}),
    ...(end.exitCode === undefined ? {} : { exitCode: end.exitCode }),
  });
  return { result: end.report, error: end.error, reportPath: path };
}

/**
 * Runs `work`, then reports whatever happened (also on failure and Ctrl-C): the SSH pool is released
 * first (the cluster lock goes with it), `build` makes the report from the error that stopped the
 * work, if any, and finishRun writes it. `onError` sees the raw error first (a partial result it carries).
 */
export async function runReported<R extends { exit_code: number }>(
  rt: Runtime,
  o: { name: string; reportPath?: string; onError?: (err: unknown) => void },
  work: () => Promise<void>,
  build: (startedAt: Date, error: FleetError | undefined) => R,
): Promise<OperationResult<R>> {
  const startedAt = new Date();
  let error: FleetError | undefined;
  try {
    await work();
  } catch (err) {
    error = toFleetError(err);
    o.onError?.(err);
  } finally {
    await rt.releasePool();
  }
  const report = build(startedAt, error);
  return finishRun(rt, {
    name: o.name,
    report,
    startedAt,
    reportPath: o.reportPath,
    error,
    exitCode: report.exit_code,
  });
}
