/**
 * Retention (`--keep N`), pure. The rules, also in README and `fleet backup --help`:
 * - only backups of the SAME SCOPE as the one just made count: the same kinds on the same hosts
 *   (the swarm state is one scope whatever manager it came from; paths of agx-03 are not paths of
 *   every host). A `-n agx-03 --only paths` backup never deletes a full backup;
 * - of that scope, the newest N complete backups are kept, older complete ones are deleted;
 * - the newest complete backup holding the swarm state is never deleted, whatever its scope;
 * - incomplete or damaged backups NEWER than the newest complete one of the scope are kept: they may
 *   belong to a run still in progress, or be the evidence of the failure someone is looking into;
 * - incomplete or damaged backups older than it, whose objects all lie within the scope, are
 *   superseded and deleted;
 * - retention runs only after a backup that fully succeeded (or as a dry run that deletes nothing).
 */
import { FleetError } from '../../core/errors.js';
import type { BackupStatus } from './catalog.js';

export interface RetentionInput {
  id: string;
  status: BackupStatus;
  /** What the backup holds, from scopeOfKeys: `swarm`, `path@HOST`, `volume@HOST`. */
  scope: string[];
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

/**
 * The scope of a backup from its object keys (`ID/HOST/swarm.tar.gz`, `ID/HOST/path-etc.tar`, ...):
 * readable from incomplete backups too, which have no manifest.
 */
export function scopeOfKeys(keys: string[]): string[] {
  const scope = new Set<string>();
  for (const key of keys) {
    const [, host, name] = key.split('/');
    if (!host || !name) continue;
    if (name.startsWith('swarm')) scope.add('swarm');
    else if (name.startsWith('path-')) scope.add(`path@${host}`);
    else if (name.startsWith('volume-')) scope.add(`volume@${host}`);
  }
  return [...scope].sort();
}

const sameScope = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((s, i) => s === b[i]);
const within = (inner: string[], outer: string[]): boolean =>
  inner.length > 0 && inner.every((s) => outer.includes(s));

export function selectForRetention(
  backups: RetentionInput[],
  keep: number,
  scope: string[],
): RetentionDecision {
  if (!Number.isInteger(keep) || keep < 1)
    throw new FleetError('usage', `--keep must be 1 or more, got ${keep}`);
  const wanted = [...scope].sort();
  // Ids are UTC timestamps: text order is time order.
  const sorted = [...backups].sort((a, b) => b.id.localeCompare(a.id));
  const lastSwarm = sorted.find((b) => b.status === 'complete' && b.scope.includes('swarm'))?.id;
  const complete = sorted.filter((b) => b.status === 'complete' && sameScope([...b.scope].sort(), wanted));
  const newestComplete = complete[0]?.id;
  const keepIds = new Set(complete.slice(0, keep).map((b) => b.id));
  const decision: RetentionDecision = { keep: [], remove: [] };
  for (const backup of sorted) {
    const mine = [...backup.scope].sort();
    if (newestComplete === undefined || backup.id === lastSwarm) {
      decision.keep.push(backup.id);
    } else if (backup.status === 'complete') {
      if (keepIds.has(backup.id) || !sameScope(mine, wanted)) decision.keep.push(backup.id);
      else
        decision.remove.push({
          id: backup.id,
          reason: `older than the newest ${keep} complete backups of ${describeScope(wanted)}`,
        });
    } else if (backup.id > newestComplete || !within(mine, wanted)) {
      decision.keep.push(backup.id);
    } else {
      decision.remove.push({ id: backup.id, reason: `${backup.status}, superseded by ${newestComplete}` });
    }
  }
  return decision;
}

/** `swarm state, paths of agx-01,agx-02` for messages. */
export function describeScope(scope: string[]): string {
  const parts: string[] = [];
  if (scope.includes('swarm')) parts.push('swarm state');
  for (const kind of ['path', 'volume']) {
    const hosts = scope.filter((s) => s.startsWith(`${kind}@`)).map((s) => s.slice(kind.length + 1));
    if (hosts.length) parts.push(`${kind}s of ${hosts.join(',')}`);
  }
  return parts.join(', ') || 'nothing';
}
