/**
 * `fleet clean` as an operation: the images the swarm's services use (read once through a manager;
 * when no manager answers, every tagged image is kept), then each host through the one fan-out
 * (ops/clean/host.ts). Without `apply` nothing is removed: the report says what could be.
 */
import { FleetError, toFleetError } from '../../core/errors.js';
import { failureKind, type HostTarget } from '../../core/host.js';
import type { CleanItem } from '../../core/clean-plan.js';
import { compatDevices, devicesSuccessRate, type CompatDevice } from '../../core/report-devices.js';
import { roundSeconds } from '../../core/report.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
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

export interface CleanHostReport {
  id: string;
  ip: string;
  status: 'ok' | 'unchanged' | 'failed' | 'interrupted';
  duration_seconds: number;
  error: string | null;
  failure: string | null;
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

export interface CleanReport {
  command: 'clean';
  timestamp: string;
  applied: boolean;
  total_devices: number;
  successful: number;
  failed: number;
  success_rate: number;
  duration_seconds: number;
  was_interrupted: boolean;
  reclaimable_bytes: number;
  reclaimed_bytes: number | null;
  service_images: string[] | null;
  hosts: CleanHostReport[];
  devices: CompatDevice[];
}

const EMPTY = {
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
    const pool = await rt.pool();
    hosts = await forEachHost(input.hosts, { concurrency: input.concurrency }, async (host) => {
      const t0 = Date.now();
      try {
        bus.hostState(host.id, 'connecting');
        const conn = await pool.connect(host, signal);
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
        bus.emit({ type: 'host:done', host: host.id, ok: true, durationMs: Date.now() - t0 });
        return {
          id: host.id,
          ip: host.address,
          status: o.reclaimedBytes !== null && o.reclaimedBytes > 0 ? 'ok' : 'unchanged',
          duration_seconds: roundSeconds(Date.now() - t0),
          error: null,
          failure: null,
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
        } satisfies CleanHostReport;
      } catch (err) {
        const e = toFleetError(err);
        const interrupted = signal.aborted || e.code === 'interrupted';
        const failure = interrupted ? 'interrupted' : (failureKind(e.code) ?? 'exit');
        bus.emit({
          type: 'host:done',
          host: host.id,
          ok: false,
          failure,
          error: e.message,
          durationMs: Date.now() - t0,
        });
        return {
          id: host.id,
          ip: host.address,
          status: interrupted ? 'interrupted' : 'failed',
          duration_seconds: roundSeconds(Date.now() - t0),
          error: e.message,
          failure,
          ...EMPTY,
        } satisfies CleanHostReport;
      }
    });
  } finally {
    await rt.releasePool();
  }
  const devices = compatDevices(hosts);
  const failed = hosts.filter((h) => h.status === 'failed' || h.status === 'interrupted');
  const report: CleanReport = {
    command: 'clean',
    timestamp: startedAt.toISOString(),
    applied: input.apply,
    total_devices: hosts.length,
    successful: hosts.length - failed.length,
    failed: failed.length,
    success_rate: devicesSuccessRate(devices),
    duration_seconds: roundSeconds(Date.now() - started),
    was_interrupted: signal.aborted,
    reclaimable_bytes: hosts.reduce((n, h) => n + h.reclaimable_bytes, 0),
    reclaimed_bytes: input.apply ? hosts.reduce((n, h) => n + (h.reclaimed_bytes ?? 0), 0) : null,
    service_images: images,
    hosts,
    devices,
  };
  const path = await rt.writeReport('clean', report, startedAt, input.reportPath);
  bus.log('info', `report: ${path}`);
  let error: FleetError | undefined;
  if (signal.aborted) error = new FleetError('interrupted', 'interrupted');
  else if (failed.length > 0)
    error = new FleetError(
      'partial',
      `clean failed on ${failed.map((h) => `${h.id} (${h.error})`).join(', ')}`,
    );
  bus.emit({
    type: 'run:done',
    ok: !error,
    durationMs: Date.now() - started,
    interrupted: signal.aborted,
    error: error?.message,
  });
  return { result: report, reportPath: path, error };
}
