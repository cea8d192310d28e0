/**
 * `fleet backup`: observe -> plan -> unlock key -> stream every item (bounded pool of hosts, items of
 * one host in sequence) -> manifest LAST -> retention. Any failure means no manifest: the backup stays
 * incomplete, `backup ls` says so, and retention does not run. The phases are in backup-phases/; they
 * share one BackupState (the report being built).
 */
import type { FleetError } from '../../core/errors.js';
import { toFleetError } from '../../core/errors.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { archiveItems } from './backup-phases/archive.js';
import { applyKeep, writeManifest } from './backup-phases/manifest.js';
import { observeAndPlan } from './backup-phases/plan.js';
import { createBackupState, type BackupRunOptions } from './backup-phases/state.js';
import { storeUnlockKey } from './backup-phases/unlock-key.js';
import { pendingHostReport, type BackupRunReport } from './report.js';
import { runBackupOperation } from './run-op.js';

// pickError moved to errors.ts (restore uses it too); test/unit/backup-report.test.ts imports it from here.
export { pickError } from './errors.js';
export type { BackupRunOptions } from './backup-phases/state.js';

async function backupWith(o: BackupRunOptions): Promise<{ report: BackupRunReport; error?: FleetError }> {
  const s = createBackupState(o);
  const { bus } = o;
  bus.emit({
    type: 'run:start',
    command: 'backup',
    hosts: o.hosts.map((h) => h.id),
    at: s.startedAt.getTime(),
  });
  for (const h of o.hosts) {
    s.hostReports.set(h.id, pendingHostReport(h.id, h.address));
  }
  try {
    if (await observeAndPlan(s)) return s.finish();
    await storeUnlockKey(s);
    await archiveItems(s);
    await writeManifest(s);
    await applyKeep(s);
  } catch (err) {
    const error = toFleetError(err);
    if (!s.errors.includes(error) && !(error.code === 'partial')) s.errors.push(error);
  } finally {
    for (const h of s.observedHosts) h.engine?.close();
  }
  return s.finish();
}

/**
 * `fleet backup`'s typed input: what the front end resolved from its flags (hosts, store, knobs);
 * the run's options without what the runtime supplies (pool, bus, signal, sudo password).
 */
export interface BackupInput extends Omit<BackupRunOptions, 'pool' | 'bus' | 'signal' | 'sudoPassword'> {
  dryRun: boolean;
  /** Where to write the JSON report (default ./reports/backup-<time>.json). */
  reportPath?: string;
}

/** Runs one backup on the runtime's session; the store stays open (the caller opened it, the caller closes it). */
export function runBackup(input: BackupInput, rt: Runtime): Promise<OperationResult<BackupRunReport>> {
  const { reportPath, ...rest } = input;
  return runBackupOperation('backup', rt, reportPath, (pool) =>
    backupWith({ ...rest, pool, bus: rt.bus, signal: rt.signal, sudoPassword: rt.sudoPassword }),
  );
}
