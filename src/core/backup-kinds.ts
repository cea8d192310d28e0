/**
 * What `fleet backup` and `fleet restore` may be limited to (--only) and the CLI's defaults, shared with
 * the web view. A file of its own so that the CLI can import it at start-up without the manifest
 * validator (ajv).
 */
import { FleetError } from './errors.js';

export type BackupKind = 'swarm' | 'paths' | 'volumes';
/** What a restore is limited to: the same kinds a backup takes. */
export type RestoreOnly = BackupKind;
export const BACKUP_KINDS: readonly BackupKind[] = ['swarm', 'paths', 'volumes'];

/** The CLI's --concurrency, --wait-timeout and (backup) --stop-deadline defaults; the web view's too. */
export const BACKUP_DEFAULTS = { concurrency: 4, waitTimeoutS: 120, stopDeadlineS: 300 } as const;

/**
 * `--only swarm,paths` (or the page's "only"): each kind once, in the order given, or undefined when
 * none. Throws a usage error naming every kind that is not swarm, paths or volumes.
 */
export function parseBackupKinds(kinds: readonly string[] | undefined): BackupKind[] | undefined {
  const given = (kinds ?? [])
    .flatMap((k) => k.split(','))
    .map((k) => k.trim())
    .filter(Boolean);
  const bad = given.filter((k) => !(BACKUP_KINDS as readonly string[]).includes(k));
  if (bad.length > 0) {
    const got = bad.map((k) => `"${k}"`).join(', ');
    throw new FleetError('usage', `--only takes swarm, paths and volumes (comma-separated), got ${got}`);
  }
  return given.length > 0 ? ([...new Set(given)] as BackupKind[]) : undefined;
}
