/**
 * What the phases of one `fleet backup` share: the options, the change gate, the report being built
 * (hosts, items, notes, errors) and what each phase found for the next (backup id, cluster, plan).
 */
import type { Secret } from '../../../adapters/docker/types.js';
import type { BackupStore } from '../../../adapters/s3/types.js';
import type { SshPool } from '../../../adapters/ssh/types.js';
import { EXIT_CODES, FleetError } from '../../../core/errors.js';
import type { HostTarget } from '../../../core/host.js';
import type { Compression, ManifestItem } from '../../../core/backup-manifest.js';
import type { BackupKind, BackupPlan, PlannedItem } from '../../../core/backup-plan.js';
import type { EventBus } from '../../../runtime/events.js';
import { createPhaseContext, type PhaseContext } from '../../../runtime/phase.js';
import { pickError } from '../errors.js';
import type { ObservedHost, readCluster } from '../observe.js';
import {
  buildBackupReport,
  failureKind,
  type BackupRunReport,
  type HostReport,
  type ItemReport,
} from '../report.js';

export interface BackupRunOptions {
  hosts: HostTarget[];
  pool: SshPool;
  bus: EventBus;
  store: BackupStore;
  kinds: BackupKind[];
  explicitKinds: boolean;
  extraPaths: string[];
  volumes: string[];
  allowDowntime: boolean;
  gzip: boolean;
  concurrency: number;
  keep?: number;
  /** Observe and plan only: list what would be archived and what --keep would delete; change nothing. */
  dryRun?: boolean;
  /** Longest the swarm archive may take while Docker is stopped (the remote job starts it past that). */
  stopDeadlineS?: number;
  sudo: boolean;
  sudoPassword?: string;
  signal: AbortSignal;
  waitTimeoutMs: number;
  fleetVersion: string;
}

export type Cluster = Awaited<ReturnType<typeof readCluster>>;

export interface BackupState {
  o: BackupRunOptions;
  ctx: PhaseContext;
  startedAt: Date;
  compression: Compression;
  notes: string[];
  itemReports: ItemReport[];
  hostReports: Map<string, HostReport>;
  errors: FleetError[];
  backupId: string | null;
  manifestWritten: string | null;
  clusterId: string | null;
  swarmReport: BackupRunReport['swarm'];
  retention: BackupRunReport['retention'];
  observedHosts: ObservedHost[];
  // Found by the plan phase for the ones after it.
  cluster?: Cluster;
  plan?: BackupPlan;
  keys: string[];
  planned: { item: PlannedItem; key: string }[];
  // Found by the unlock-key phase.
  manifestItems: ManifestItem[];
  unlockKey?: Secret;
  autolock: boolean;
  /** The manager whose swarm state is archived. */
  source?: ObservedHost;
  /** Records a host's failure in the report and on the bus. */
  failHost(host: string, error: FleetError, started?: number): void;
  /** The report, from whatever state the run reached (also the dry run's early return). */
  finish(): { report: BackupRunReport; error?: FleetError };
}

export function createBackupState(o: BackupRunOptions): BackupState {
  const { bus } = o;
  const s: BackupState = {
    o,
    ctx: createPhaseContext(bus, o.dryRun === true, o.signal),
    startedAt: new Date(),
    compression: o.gzip ? 'gzip' : 'none',
    notes: [],
    itemReports: [],
    hostReports: new Map(),
    errors: [],
    backupId: null,
    manifestWritten: null,
    clusterId: null,
    swarmReport: null,
    retention: null,
    observedHosts: [],
    keys: [],
    planned: [],
    manifestItems: [],
    autolock: false,
    failHost(host, error, started = Date.now()) {
      s.errors.push(error);
      const r = s.hostReports.get(host);
      if (r)
        Object.assign(r, {
          status: error.code === 'interrupted' ? 'interrupted' : 'failed',
          error: error.message,
          failure: failureKind(error.code),
        });
      bus.emit({
        type: 'host:done',
        host,
        ok: false,
        error: error.message,
        failure: failureKind(error.code) ?? undefined,
        durationMs: Date.now() - started,
      });
    },
    finish() {
      const anyOk = [...s.hostReports.values()].some((h) => h.status === 'ok');
      const error = s.manifestWritten && s.errors.length === 0 ? undefined : pickError(s.errors, anyOk);
      const exitCode = error ? EXIT_CODES[error.code] : 0;
      const report = buildBackupReport({
        command: 'backup',
        startedAt: s.startedAt,
        durationMs: Date.now() - s.startedAt.getTime(),
        backupId: s.backupId,
        store: o.store.location,
        complete: s.manifestWritten !== null,
        manifestKey: s.manifestWritten,
        clusterId: s.clusterId,
        swarm: s.swarmReport,
        hosts: [...s.hostReports.values()],
        items: s.itemReports,
        notes: s.notes,
        changes: s.ctx.changes,
        retention: s.retention,
        interrupted: o.signal.aborted,
        exitCode,
        error: error ? `${error.host ? error.host + ': ' : ''}${error.message}` : null,
      });
      return { report, error };
    },
  };
  return s;
}
