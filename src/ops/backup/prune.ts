/** `--keep N` against a store: the pure decision (retention.ts) applied through the change gate. */
import type { BackupStore } from '../../adapters/s3/types.js';
import type { PhaseContext } from '../../runtime/phase.js';
import { deleteBackup, listBackups } from './catalog.js';
import type { BackupRunReport } from './report.js';
import { scopeOfKeys, selectForRetention } from './retention.js';

/**
 * Deletes what retention selects for the scope of backup `newId`. In a dry run (`ctx.dryRun`) nothing
 * is deleted: `newId` is the backup the run would have made, counted as the newest of its scope, and
 * the deletions are only listed.
 */
export async function applyRetention(
  store: BackupStore,
  ctx: PhaseContext,
  keep: number,
  scope: string[],
  newId: string,
): Promise<NonNullable<BackupRunReport['retention']>> {
  const entries = await listBackups(store);
  const inputs = entries.map((e) => ({
    id: e.id,
    status: e.status,
    scope: scopeOfKeys(e.objects.map((o) => o.key)),
  }));
  if (!inputs.some((b) => b.id === newId)) inputs.push({ id: newId, status: 'complete', scope });
  const decision = selectForRetention(inputs, keep, scope);
  const deleted: { id: string; reason: string }[] = [];
  for (const victim of decision.remove) {
    const entry = entries.find((e) => e.id === victim.id)!;
    await ctx.change(
      undefined,
      `${ctx.dryRun ? 'would delete' : 'delete'} backup ${victim.id} (${victim.reason})`,
      () => deleteBackup(store, entry),
    );
    deleted.push(victim);
  }
  return { keep, deleted, kept: decision.keep, ...(ctx.dryRun ? { dry_run: true } : {}) };
}
