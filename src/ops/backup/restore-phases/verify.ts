/**
 * Restore phases 2–3: every selected object is read back and its sha256 checked before any host is
 * touched; then the lines saying exactly what will change (the confirmation's details, and what a
 * dry run records through the change gate).
 */
import { FleetError } from '../../../core/errors.js';
import { hashObject } from '../stream.js';
import { targetOf } from './load.js';
import type { RestoreState } from './state.js';

export async function verifyObjects(s: RestoreState): Promise<void> {
  const { o, items } = s;
  const { bus, store } = o;
  for (const item of items) {
    const got = await hashObject(store, item.key, o.signal, (bytes) =>
      bus.emit({
        type: 'host:progress',
        host: targetOf(s, item),
        done: bytes,
        total: item.size,
        unit: 'bytes',
      }),
    );
    if (got.sha256 !== item.sha256 || got.size !== item.size) {
      throw new FleetError(
        'integrity',
        `${item.key} does not match the manifest (sha256 ${got.sha256}, ${got.size} bytes; expected ${item.sha256}, ${item.size} bytes)`,
        {
          hint: 'the stored object was changed or corrupted; nothing was restored. Restore an older backup',
        },
      );
    }
    s.itemReports.find((r) => r.key === item.key)!.status = 'verified';
  }
  bus.log('info', `verified ${items.length} objects of backup ${o.id}`);
}

const SWARM_CHANGE =
  'stop Docker, replace /var/lib/docker/swarm with the backup, start Docker, docker swarm init --force-new-cluster (other nodes re-join with fleet up)';

/** What will change, one line per host action, as the confirmation lists it. */
export function changeLines(s: RestoreState): string[] {
  const lines: string[] = [];
  if (s.swarmItem) lines.push(`${s.swarmTarget!.id}: ${SWARM_CHANGE}`);
  for (const item of s.fileItems) {
    lines.push(
      `${item.host}: extract ${item.kind} ${item.source} in place (existing files with the same names are overwritten)`,
    );
  }
  return lines;
}

/** Asks (or takes --yes); "no" stops the restore with nothing changed. */
export async function confirmChanges(s: RestoreState): Promise<void> {
  if (!(await s.o.confirm(changeLines(s)))) {
    throw new FleetError('usage', 'restore not confirmed: nothing was changed', {
      hint: 'pass --yes to restore without asking',
    });
  }
}

/**
 * --dry-run: record through the change gate (which acts on nothing in a dry run) the same sentences
 * the real run's gate records for paths and volumes, and the swarm procedure; every host ends ok.
 */
export async function recordDryRun(s: RestoreState): Promise<void> {
  const noop = async (): Promise<undefined> => undefined;
  if (s.swarmItem) await s.ctx.change(s.swarmTarget!.id, SWARM_CHANGE, noop);
  for (const item of s.fileItems) {
    await s.ctx.change(item.host, `restore ${item.kind} ${item.source} from backup ${s.o.id}`, noop);
  }
  for (const id of s.hostReports.keys()) s.done(id, true);
}
