/**
 * What backup and restore do around their work, the same for both: take the session's SSH pool,
 * release it as soon as the work ends (the cluster lock goes with it), then end the run like every
 * operation (runtime/finish-run.ts: the JSON report, its path logged, run:done).
 */
import type { SshPool } from '../../adapters/ssh/types.js';
import type { FleetError } from '../../core/errors.js';
import { finishRun } from '../../runtime/finish-run.js';
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
  // run:done has never named the error for backup/restore: the view's summary comes from the hosts.
  return finishRun(rt, {
    name: command,
    report: done.report,
    startedAt,
    reportPath,
    error: done.error,
    interrupted: rt.signal.aborted,
    announceError: false,
  });
}
