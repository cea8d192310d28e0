/**
 * THE per-host loop of an operation whose report has one row per host with status ok / unchanged /
 * failed / interrupted (recovery, clean): connect through the run's pool, do the host's work, and
 * turn a thrown error into a failed (or interrupted) row, with host:state / host:done on the bus
 * either way. Then what every such report carries: the counts, the compat `devices`, and the run's
 * error naming each failed host.
 */
import type { SshConnection } from '../../adapters/ssh/types.js';
import { FleetError, toFleetError, type ErrorCode } from '../../core/errors.js';
import { failureKind, type HostTarget } from '../../core/host.js';
import { compatDevices, devicesSuccessRate, type CompatDevice } from '../../core/report-devices.js';
import { roundSeconds } from '../../core/report.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { Runtime } from '../../runtime/types.js';

export interface HostRow {
  id: string;
  ip: string;
  /** ok: changed; unchanged: already so; failed / interrupted. */
  status: 'ok' | 'unchanged' | 'failed' | 'interrupted';
  duration_seconds: number;
  error: string | null;
  failure: string | null;
}

/** What one host's work hands back: whether it changed the host, and the row's own fields. */
export interface HostRowOutcome<F> {
  changed: boolean;
  fields: F;
}

export async function forEachHostRow<F>(
  rt: Runtime,
  hosts: HostTarget[],
  concurrency: number,
  work: (host: HostTarget, conn: SshConnection) => Promise<HostRowOutcome<F>>,
  /** The row's own fields for a host that failed. */
  failedFields: (host: HostTarget) => F,
): Promise<(HostRow & F)[]> {
  const { bus, signal } = rt;
  const pool = await rt.pool();
  return forEachHost(hosts, { concurrency }, async (host) => {
    const started = Date.now();
    const row = (status: HostRow['status'], error: string | null, failure: string | null): HostRow => ({
      id: host.id,
      ip: host.address,
      status,
      duration_seconds: roundSeconds(Date.now() - started),
      error,
      failure,
    });
    try {
      bus.hostState(host.id, 'connecting');
      const conn = await pool.connect(host, signal);
      const { changed, fields } = await work(host, conn);
      bus.emit({ type: 'host:done', host: host.id, ok: true, durationMs: Date.now() - started });
      return { ...row(changed ? 'ok' : 'unchanged', null, null), ...fields };
    } catch (err) {
      const e = toFleetError(err);
      const interrupted = signal.aborted || e.code === 'interrupted';
      const failure = interrupted ? 'interrupted' : (failureKind(e.code) ?? 'exit');
      const durationMs = Date.now() - started;
      bus.emit({ type: 'host:done', host: host.id, ok: false, failure, error: e.message, durationMs });
      return { ...row(interrupted ? 'interrupted' : 'failed', e.message, failure), ...failedFields(host) };
    }
  });
}

export interface HostRowCounts {
  total_devices: number;
  successful: number;
  /** Failed or interrupted. */
  failed: number;
  success_rate: number;
  devices: CompatDevice[];
}

export function hostRowCounts(rows: readonly HostRow[]): HostRowCounts {
  const devices = compatDevices(rows);
  const failed = rows.filter((h) => h.status === 'failed' || h.status === 'interrupted').length;
  return {
    total_devices: rows.length,
    successful: rows.length - failed,
    failed,
    success_rate: devicesSuccessRate(devices),
    devices,
  };
}

const HOST_CODES = new Set<ErrorCode>(['connect', 'auth', 'hostkey', 'timeout']);

/**
 * The run's error: interrupted, or `<what> failed on a (why), b (why)`, exit 4 (partial); with
 * `soleHostCode`, a run of one host that failed takes that host's own code (3 unreachable…).
 */
export function hostRowsError(
  rows: readonly HostRow[],
  signal: AbortSignal,
  what: string,
  o: { soleHostCode?: boolean } = {},
): FleetError | undefined {
  if (signal.aborted) return new FleetError('interrupted', 'interrupted');
  const failed = rows.filter((h) => h.status === 'failed' || h.status === 'interrupted');
  if (failed.length === 0) return undefined;
  const sole = o.soleHostCode && rows.length === 1 ? (failed[0]!.failure as ErrorCode) : undefined;
  const code: ErrorCode = sole === undefined ? 'partial' : HOST_CODES.has(sole) ? sole : 'remote-exit';
  return new FleetError(code, `${what} failed on ${failed.map((h) => `${h.id} (${h.error})`).join(', ')}`);
}
