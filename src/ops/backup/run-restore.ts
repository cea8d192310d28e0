/**
 * `fleet restore ID`: read the manifest, verify EVERY selected object's sha256 by streaming it through
 * the hash, and only then (after confirmation) change hosts: the swarm state first (Docker's
 * disaster-recovery procedure on one manager), then paths and volumes in place. The phases are in
 * restore-phases/; --dry-run stops after verifying and records what would change.
 */
import type { BackupStore } from '../../adapters/s3/types.js';
import { EXIT_CODES, FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { RestoreOnly } from '../../core/backup-manifest.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { pickError } from './errors.js';
import { buildBackupReport, type BackupRunReport } from './report.js';
import { restoreFiles, restoreSwarmItem } from './restore-phases/apply.js';
import { loadAndMap } from './restore-phases/load.js';
import { createRestoreState, type RestoreRunOptions } from './restore-phases/state.js';
import { confirmChanges, recordDryRun, verifyObjects } from './restore-phases/verify.js';
import { runBackupOperation } from './run-op.js';

export type { RestoreRunOptions } from './restore-phases/state.js';

async function restoreWith(o: RestoreRunOptions): Promise<{ report: BackupRunReport; error?: FleetError }> {
  const s = createRestoreState(o);
  let complete = false;
  try {
    await loadAndMap(s);
    await verifyObjects(s);
    if (o.dryRun) {
      // Nothing was restored: not complete, and no error either (exit 0), like backup --dry-run.
      await recordDryRun(s);
    } else {
      await confirmChanges(s);
      await restoreSwarmItem(s);
      await restoreFiles(s);
      complete = s.errors.length === 0;
    }
  } catch (err) {
    const error = toFleetError(err);
    if (!s.errors.includes(error)) s.errors.push(error);
  }

  const anyOk = [...s.hostReports.values()].some((h) => h.status === 'ok');
  const error = complete ? undefined : pickError(s.errors, anyOk);
  const report = buildBackupReport({
    command: 'restore',
    startedAt: s.startedAt,
    durationMs: Date.now() - s.startedAt.getTime(),
    backupId: o.id,
    store: o.store.location,
    complete,
    manifestKey: null,
    clusterId: s.clusterId,
    swarm: s.swarmReport,
    hosts: [...s.hostReports.values()],
    items: s.itemReports,
    notes: s.notes,
    changes: s.ctx.changes,
    retention: null,
    interrupted: o.signal.aborted,
    exitCode: error ? EXIT_CODES[error.code] : 0,
    error: error ? `${error.host ? error.host + ': ' : ''}${error.message}` : null,
  });
  return { report, error };
}

/** `fleet restore ID`'s typed input. */
export interface RestoreInput {
  id: string;
  store: BackupStore;
  /** Hosts fleet may act on: the -n selection, or the whole inventory. */
  hosts: HostTarget[];
  /** True when -n/-x/--role narrowed the hosts: restore only their items, and the swarm onto that host. */
  selected: boolean;
  only?: RestoreOnly[];
  concurrency: number;
  sudo: boolean;
  waitTimeoutMs: number;
  /** Do not ask (required when nobody can answer). */
  yes: boolean;
  /** Verify every object and list what would change; change nothing, ask nothing. */
  dryRun: boolean;
  /** Where to write the JSON report (default ./reports/restore-<time>.json). */
  reportPath?: string;
}

/** Runs one restore on the runtime's session; the confirmation goes through rt.ask ('restore'). */
export function runRestore(input: RestoreInput, rt: Runtime): Promise<OperationResult<BackupRunReport>> {
  const { reportPath, yes, ...rest } = input;
  const confirm = async (lines: string[]): Promise<boolean> => {
    if (yes) return true;
    if (!rt.ask.canAsk('restore')) {
      throw new FleetError(
        'usage',
        'restore changes hosts and needs confirmation, but there is no terminal',
        {
          hint: 'pass --yes',
        },
      );
    }
    return rt.ask.confirm({ id: 'restore', question: 'Proceed? [y/N] ', details: lines });
  };
  return runBackupOperation('restore', rt, reportPath, (pool) =>
    restoreWith({ ...rest, pool, bus: rt.bus, signal: rt.signal, sudoPassword: rt.sudoPassword, confirm }),
  );
}
