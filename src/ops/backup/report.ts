/**
 * The JSON reports of `fleet backup` and `fleet restore` (schema/backup-report.schema.json), built
 * purely from what the run recorded. snake_case like the other reports; no secrets by construction
 * (the unlock key is only ever a key name here) and redacted again by the writer.
 */
import type { FailureKind } from '../../core/host.js';
import { roundSeconds, successRate } from '../../core/report.js';
import { compatDevices, type CompatDevice } from '../../core/report-devices.js';
import type { ItemKind } from '../../core/backup-manifest.js';

export type ItemStatus = 'ok' | 'failed' | 'not-started' | 'verified' | 'skipped';

export interface ItemReport {
  host: string;
  kind: ItemKind;
  source: string;
  key: string;
  status: ItemStatus;
  size: number | null;
  sha256: string | null;
  error: string | null;
}

export interface HostReport {
  id: string;
  ip: string;
  status: 'ok' | 'failed' | 'interrupted' | 'skipped';
  items: number;
  bytes: number;
  duration_seconds: number;
  error: string | null;
  failure: FailureKind | null;
}

export interface BackupRunReport {
  command: 'backup' | 'restore';
  timestamp: string;
  duration_seconds: number;
  backup_id: string | null;
  store: string;
  /** backup: the manifest was written; restore: every selected item was restored. */
  complete: boolean;
  manifest_key: string | null;
  cluster_id: string | null;
  swarm: { host: string; node_id: string; autolock: boolean; was_leader: boolean } | null;
  total_devices: number;
  successful: number;
  failed: number;
  success_rate: number;
  was_interrupted: boolean;
  exit_code: number;
  error: string | null;
  hosts: HostReport[];
  /** The same hosts as the bash module's scripts read them (core/report-devices.ts). */
  devices: CompatDevice[];
  items: ItemReport[];
  notes: string[];
  changes: { host: string | null; description: string }[];
  retention: {
    keep: number;
    deleted: { id: string; reason: string }[];
    kept: string[];
    /** `backup --keep N --dry-run`: `deleted` lists what would be deleted; nothing was. */
    dry_run?: boolean;
  } | null;
}

export interface BuildReportInput {
  command: 'backup' | 'restore';
  startedAt: Date;
  durationMs: number;
  backupId: string | null;
  store: string;
  complete: boolean;
  manifestKey: string | null;
  clusterId: string | null;
  swarm: BackupRunReport['swarm'];
  hosts: HostReport[];
  items: ItemReport[];
  notes: string[];
  changes: { host?: string; description: string }[];
  retention: BackupRunReport['retention'];
  interrupted: boolean;
  exitCode: number;
  error: string | null;
}

export function buildBackupReport(input: BuildReportInput): BackupRunReport {
  const successful = input.hosts.filter((h) => h.status === 'ok').length;
  return {
    command: input.command,
    timestamp: input.startedAt.toISOString(),
    duration_seconds: roundSeconds(input.durationMs),
    backup_id: input.backupId,
    store: input.store,
    complete: input.complete,
    manifest_key: input.manifestKey,
    cluster_id: input.clusterId,
    swarm: input.swarm,
    total_devices: input.hosts.length,
    successful,
    failed: input.hosts.filter((h) => h.status === 'failed').length,
    success_rate: successRate(successful, input.hosts.length),
    was_interrupted: input.interrupted,
    exit_code: input.exitCode,
    error: input.error,
    hosts: input.hosts,
    devices: compatDevices(input.hosts),
    items: input.items,
    notes: input.notes,
    changes: input.changes.map((c) => ({ host: c.host ?? null, description: c.description })),
    retention: input.retention,
  };
}

/** One vocabulary with exec and up (core/host.ts). */
export { failureKind } from '../../core/host.js';

/** A host's report before anything ran: skipped until it gets work. */
export function pendingHostReport(id: string, ip: string): HostReport {
  return { id, ip, status: 'skipped', items: 0, bytes: 0, duration_seconds: 0, error: null, failure: null };
}
