/**
 * `fleet clean` as an operation: the images the swarm's services use (read once through a manager;
 * when no manager answers, every tagged image is kept), then each host through the one fan-out
 * (ops/clean/host.ts). Without `apply` nothing is removed: the report says what could be.
 */
import { toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { CleanItem } from '../../core/clean-plan.js';
import { roundSeconds } from '../../core/report.js';
import { finishRun } from '../../runtime/finish-run.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import {
  forEachHostRow,
  hostRowCounts,
  hostRowsError,
  type HostRow,
  type HostRowCounts,
} from '../shared/host-rows.js';
import { withManager } from '../shared/manager.js';
import { cleanHost } from './host.js';

export interface CleanInput {
  hosts: HostTarget[];
  /** Where to look for the swarm's managers: the hosts of nodes.yml. */
  managers: HostTarget[];
  apply: boolean;
  volumes: boolean;
  stopNonessential: boolean;
  /** journalctl --vacuum-size value (e.g. 500M); undefined leaves the journal alone. */
  journalSize?: string;
  concurrency: number;
  reportPath?: string;
}

export interface CleanHostReport extends HostRow {
  stop: CleanItem[];
  containers: CleanItem[];
  dangling_images: CleanItem[];
  unused_images: CleanItem[];
  volumes: CleanItem[];
  build_cache_bytes: number;
  journal_bytes: number | null;
  temp_files: CleanItem[];
  kept: { essential_containers: string[]; service_images: string[] };
  reclaimable_bytes: number;
  /** Measured (docker system df before and after, temp files, journal); null without --yes. */
  reclaimed_bytes: number | null;
  skipped: string[];
}

/** The counts and `devices` (ops/shared/host-rows.ts) beside its own fields. */
export interface CleanReport extends HostRowCounts {
  command: 'clean';
  timestamp: string;
  applied: boolean;
  duration_seconds: number;
  was_interrupted: boolean;
  reclaimable_bytes: number;
  reclaimed_bytes: number | null;
  service_images: string[] | null;
  hosts: CleanHostReport[];
}

const EMPTY: Omit<CleanHostReport, keyof HostRow> = {
  stop: [],
  containers: [],
  dangling_images: [],
  unused_images: [],
  volumes: [],
  build_cache_bytes: 0,
  journal_bytes: null,
  temp_files: [],
  kept: { essential_containers: [], service_images: [] },
  reclaimable_bytes: 0,
  reclaimed_bytes: null,
  skipped: [],
};

async function serviceImages(rt: Runtime, managers: HostTarget[]): Promise<string[] | null> {
  try {
    return await withManager(
      rt,
      managers.map((target) => ({ target })),
      async (m) => (await m.engine.listServices(undefined, rt.signal)).map((s) => s.image).filter(Boolean),
    );
  } catch (err) {
    rt.bus.log(
      'warn',
      `cannot read the swarm's services (${toFleetError(err).message}): every tagged image is kept`,
    );
    return null;
  }
}

export async function run(input: CleanInput, rt: Runtime): Promise<OperationResult<CleanReport>> {
  const { bus, signal } = rt;
  const startedAt = new Date();
  const started = Date.now();
  bus.emit({
    type: 'run:start',
    command: input.apply ? 'clean --yes' : 'clean',
    hosts: input.hosts.map((h) => h.id),
    at: started,
  });
  let hosts: CleanHostReport[];
  let images: string[] | null = null;
  try {
    images = await serviceImages(rt, input.managers);
    hosts = await forEachHostRow(
      rt,
      input.hosts,
      input.concurrency,
      async (host, conn) => {
        const o = await cleanHost(host, conn, {
          bus,
          signal,
          sudoPassword: rt.sudoPassword,
          apply: input.apply,
          volumes: input.volumes,
          stopNonessential: input.stopNonessential,
          journalSize: input.journalSize,
          serviceImages: images ?? [],
          servicesKnown: images !== null,
        });
        const p = o.plan;
        const tempBytes = o.tempFiles.reduce((n, t) => n + t.bytes, 0);
        return {
          changed: o.reclaimedBytes !== null && o.reclaimedBytes > 0,
          fields: {
            stop: p.stop,
            containers: p.containers,
            dangling_images: p.danglingImages,
            unused_images: p.unusedImages,
            volumes: p.volumes,
            build_cache_bytes: p.buildCacheBytes,
            journal_bytes: o.journalBytes,
            temp_files: o.tempFiles,
            kept: { essential_containers: p.kept.essentialContainers, service_images: p.kept.serviceImages },
            reclaimable_bytes: p.reclaimableBytes + tempBytes,
            reclaimed_bytes: o.reclaimedBytes,
            skipped: o.skipped,
          },
        };
      },
      () => structuredClone(EMPTY),
    );
  } finally {
    await rt.releasePool();
  }
  const report: CleanReport = {
    command: 'clean',
    timestamp: startedAt.toISOString(),
    applied: input.apply,
    ...hostRowCounts(hosts),
    duration_seconds: roundSeconds(Date.now() - started),
    was_interrupted: signal.aborted,
    reclaimable_bytes: hosts.reduce((n, h) => n + h.reclaimable_bytes, 0),
    reclaimed_bytes: input.apply ? hosts.reduce((n, h) => n + (h.reclaimed_bytes ?? 0), 0) : null,
    service_images: images,
    hosts,
  };
  return finishRun(rt, {
    name: 'clean',
    report,
    startedAt,
    reportPath: input.reportPath,
    error: hostRowsError(hosts, signal, 'clean'),
  });
}
