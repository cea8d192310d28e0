/**
 * Backups: what `fleet backup ls` lists for the configured store, each backup's items (its manifest),
 * and a restore per complete backup. The restore is `fleet restore ID` without --yes: the server
 * verifies every checksum and then asks its question, which the page shows as a dialog.
 */
import { Fragment, useEffect, useState } from 'react';
import { ApiFailure, get } from './api.js';
import type { BackupRow, RestoreRequest } from '../backups.js';
import type { BackupKind } from '../../../core/backup-kinds.js';

// Types only (erased from the page bundle): the shapes the server's /api/backups and /api/restore use.
export type RestoreChoice = RestoreRequest & { backupId: string };

const KIND_OF: Record<string, BackupKind | undefined> = { swarm: 'swarm', path: 'paths', volume: 'volumes' };

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The kinds a backup holds, as `fleet restore --only` names them. */
function kindsOf(b: BackupRow): BackupKind[] {
  return [...new Set(b.items.map((i) => KIND_OF[i.kind]).filter((k): k is BackupKind => k !== undefined))];
}

function RestoreForm({
  backup,
  selection,
  onRestore,
}: {
  backup: BackupRow;
  selection: string[];
  onRestore: (choice: RestoreChoice) => void;
}) {
  const kinds = kindsOf(backup);
  const [only, setOnly] = useState<BackupKind[]>(kinds.filter((k) => k !== 'swarm'));
  const [onSelection, setOnSelection] = useState(false);
  return (
    <form
      className="inline restore"
      onSubmit={(e) => {
        e.preventDefault();
        onRestore({
          backupId: backup.id,
          only: only.length === kinds.length ? undefined : only,
          hosts: onSelection ? selection : undefined,
        });
      }}
    >
      {kinds.map((k) => (
        <label key={k}>
          <input
            type="checkbox"
            data-testid={`restore-kind-${k}-${backup.id}`}
            checked={only.includes(k)}
            onChange={(e) => setOnly(e.target.checked ? [...only, k] : only.filter((x) => x !== k))}
          />
          {k}
        </label>
      ))}
      <label title="fleet restore -n: only the nodes selected on the canvas">
        <input
          type="checkbox"
          data-testid={`restore-selection-${backup.id}`}
          checked={onSelection}
          disabled={selection.length === 0}
          onChange={(e) => setOnSelection(e.target.checked)}
        />
        only {selection.length ? selection.join(', ') : 'selected nodes'}
      </label>
      <button type="submit" data-testid={`restore-${backup.id}`} disabled={only.length === 0}>
        Restore…
      </button>
    </form>
  );
}

export function BackupsPanel({
  version,
  selection,
  onRestore,
}: {
  /** Changes after a backup or restore ran: the list is read again. */
  version: number;
  selection: string[];
  onRestore: (choice: RestoreChoice) => void;
}) {
  const [list, setList] = useState<{ location: string; backups: BackupRow[] } | string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    get<{ location: string; backups: BackupRow[] }>('/api/backups').then(setList, (e: unknown) =>
      setList(e instanceof ApiFailure ? e.message : String(e)),
    );
  }, [version, reload]);
  if (list === null) return <p className="muted panel">reading the store…</p>;
  if (typeof list === 'string') return <p className="error panel">{list}</p>;
  return (
    <div className="panel backups" data-testid="backups">
      <p className="muted">
        {list.location}{' '}
        <button onClick={() => setReload((n) => n + 1)} data-testid="backups-reload">
          reload
        </button>
      </p>
      {list.backups.length === 0 ? <p className="muted">no backups in {list.location}</p> : null}
      <table>
        <thead>
          <tr>
            <th>id</th>
            <th>status</th>
            <th>size</th>
            <th>items</th>
            <th>hosts</th>
          </tr>
        </thead>
        <tbody>
          {list.backups.map((b) => (
            <Fragment key={b.id}>
              <tr
                data-testid={`backup-${b.id}`}
                className="clickable"
                onClick={() => setOpen(open === b.id ? null : b.id)}
              >
                <td>{b.id}</td>
                <td className={b.status === 'complete' ? '' : 'error'} title={b.problem ?? ''}>
                  {b.status}
                </td>
                <td>{bytes(b.size)}</td>
                <td>{b.items.length}</td>
                <td>{b.hosts.join(', ') || '-'}</td>
              </tr>
              {open === b.id ? (
                <tr>
                  <td colSpan={5} data-testid={`backup-items-${b.id}`}>
                    {b.problem ? <p className="error">{b.problem}</p> : null}
                    <ul className="items">
                      {b.items.map((i) => (
                        <li key={`${i.host}/${i.kind}/${i.source}`}>
                          {i.host}: {i.kind} {i.source} <span className="muted">{bytes(i.size)}</span>
                        </li>
                      ))}
                    </ul>
                    {b.status === 'complete' ? (
                      <RestoreForm backup={b} selection={selection} onRestore={onRestore} />
                    ) : null}
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
