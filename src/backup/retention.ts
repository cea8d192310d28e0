/**
 * Retention (`--keep N`), pure. The rules, also in README:
 * - the newest N complete backups are kept, older complete ones are deleted;
 * - incomplete or damaged backups NEWER than the newest complete one are kept: they may belong to a
 *   run still in progress, or be the evidence of the failure someone is looking into;
 * - incomplete or damaged backups older than the newest complete one are superseded and deleted;
 * - with no complete backup at all, nothing is deleted;
 * - retention runs only after a backup that fully succeeded, so a failing run never deletes anything.
 */
import { FleetError } from '../core/errors.js';
import type { BackupStatus } from './catalog.js';

export interface RetentionInput {
  id: string;
  status: BackupStatus;
}

export interface RetentionDecision {
  keep: string[];
  remove: { id: string; reason: string }[];
}

export function parseKeep(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new FleetError('usage', `--keep ${value}: expected a whole number of backups, 1 or more`);
  }
  return n;
}

export function selectForRetention(backups: RetentionInput[], keep: number): RetentionDecision {
  if (!Number.isInteger(keep) || keep < 1)
    throw new FleetError('usage', `--keep must be 1 or more, got ${keep}`);
  // Ids are UTC timestamps: text order is time order.
  const sorted = [...backups].sort((a, b) => b.id.localeCompare(a.id));
  const complete = sorted.filter((b) => b.status === 'complete');
  const newestComplete = complete[0]?.id;
  const keepIds = new Set(complete.slice(0, keep).map((b) => b.id));
  const decision: RetentionDecision = { keep: [], remove: [] };
  for (const backup of sorted) {
    if (newestComplete === undefined) {
      decision.keep.push(backup.id);
    } else if (backup.status === 'complete') {
      if (keepIds.has(backup.id)) decision.keep.push(backup.id);
      else decision.remove.push({ id: backup.id, reason: `older than the newest ${keep} complete backups` });
    } else if (backup.id > newestComplete) {
      decision.keep.push(backup.id);
    } else {
      decision.remove.push({ id: backup.id, reason: `${backup.status}, superseded by ${newestComplete}` });
    }
  }
  return decision;
}
