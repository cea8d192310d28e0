/**
 * What the phases of one `fleet restore` share: the options, the change gate, the report being built
 * and what the load phase found (the items and where each one goes).
 */
import type { BackupStore } from '../../../adapters/s3/types.js';
import type { SshPool } from '../../../adapters/ssh/types.js';
import type { FleetError } from '../../../core/errors.js';
import type { HostTarget } from '../../../core/host.js';
import type { ManifestItem, RestoreOnly } from '../../../core/backup-manifest.js';
import type { EventBus } from '../../../runtime/events.js';
import { createPhaseContext, type PhaseContext } from '../../../runtime/phase.js';
import { failureKind, type BackupRunReport, type HostReport, type ItemReport } from '../report.js';

export interface RestoreRunOptions {
  id: string;
  store: BackupStore;
  /** Hosts fleet may act on: the -n selection, or the whole inventory. */
  hosts: HostTarget[];
  /** True when -n/-x/--role narrowed the hosts: restore only their items, and the swarm onto that host. */
  selected: boolean;
  only?: RestoreOnly[];
  pool: SshPool;
  bus: EventBus;
  signal: AbortSignal;
  concurrency: number;
  sudo: boolean;
  sudoPassword?: string;
  waitTimeoutMs: number;
  /** Verify and list what would change; change nothing, ask nothing. */
  dryRun?: boolean;
  /** Shows what will change and answers whether to go on (TTY prompt, or --yes). */
  confirm(lines: string[]): Promise<boolean>;
}

export interface RestoreState {
  o: RestoreRunOptions;
  ctx: PhaseContext;
  startedAt: Date;
  itemReports: ItemReport[];
  hostReports: Map<string, HostReport>;
  errors: FleetError[];
  notes: string[];
  clusterId: string | null;
  swarmReport: BackupRunReport['swarm'];
  // Found by the load phase.
  items: ManifestItem[];
  swarmItem?: ManifestItem;
  unlockItem?: ManifestItem;
  /** The one manager the swarm state goes to. */
  swarmTarget?: HostTarget;
  fileItems: ManifestItem[];
  byId: Map<string, HostTarget>;
  /** When each host started (for its duration). */
  started: Map<string, number>;
  /** Records a host's end in the report and on the bus. */
  done(host: string, ok: boolean, err?: FleetError): void;
}

export function createRestoreState(o: RestoreRunOptions): RestoreState {
  const { bus } = o;
  const s: RestoreState = {
    o,
    ctx: createPhaseContext(bus, o.dryRun === true, o.signal),
    startedAt: new Date(),
    itemReports: [],
    hostReports: new Map(),
    errors: [],
    notes: [],
    clusterId: null,
    swarmReport: null,
    items: [],
    fileItems: [],
    byId: new Map(o.hosts.map((h) => [h.id, h])),
    started: new Map(),
    done(host, ok, err) {
      const r = s.hostReports.get(host)!;
      const t0 = s.started.get(host) ?? Date.now();
      r.duration_seconds = (Date.now() - t0) / 1000;
      if (ok) r.status = 'ok';
      else
        Object.assign(r, {
          status: err?.code === 'interrupted' ? 'interrupted' : 'failed',
          error: err?.message ?? null,
          failure: err ? failureKind(err.code) : null,
        });
      bus.emit({ type: 'host:done', host, ok, error: err?.message, durationMs: Date.now() - t0 });
    },
  };
  return s;
}
