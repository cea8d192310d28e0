/**
 * What backup and restore do around their work, the same for both: take the session's SSH pool,
 * release it as soon as the work ends (the cluster lock goes with it), then write the JSON report,
 * log its path and emit run:done — the order the CLI has always had.
 */
import type { SshPool } from '../../adapters/ssh/types.js';
import type { FleetError } from '../../core/errors.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { BackupRunReport } from './report.js';

export async function runBackupOperation(
  command: 'backup' | 'restore',
  rt: Runtime,
  reportPath: string | undefined,
  work: (pool: SshPool) => Promise<{ report: BackupRunReport; error?: FleetError }>,
): Promise<OperationResult<BackupRunReport>> {
  const startedAt = new Date();
  let done: { report: BackupRunReport; error?: FleetError };
  try {
    done = await work(await rt.pool());
  } finally {
    await rt.releasePool();
  }
  const path = await rt.writeReport(command, done.report, startedAt, reportPath);
  rt.bus.log('info', `report: ${path}`);
  rt.bus.emit({
    type: 'run:done',
    ok: !done.error,
    durationMs: Date.now() - startedAt.getTime(),
    interrupted: rt.signal.aborted,
  });
  return { result: done.report, error: done.error, reportPath: path };
}
