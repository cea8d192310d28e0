/**
 * `fleet ps` as an operation: the running containers of every selected host, through each host's own
 * engine over SSH, with CPU % and memory the way `docker stats --no-stream` computes them. One host's
 * failure never stops the others.
 */
import { compareApi, createDockerEngine, preloadDockerClient } from '../../adapters/docker/engine.js';
import type { ContainerStatsSample, DockerEngine } from '../../adapters/docker/types.js';
import { containerCpuPercent, containerMemoryUsed } from '../../core/container-stats.js';
import { toFleetError, type FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { sleep } from '../../core/poll.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { Runtime } from '../../runtime/types.js';

export interface PsInput {
  hosts: HostTarget[];
  concurrency: number;
}

export interface PsContainer {
  /** The host (node) the container runs on: its inventory id. */
  node: string;
  id: string;
  name: string;
  image: string;
  state: string;
  /** Docker's words: "Up 3 minutes". */
  status: string;
  createdAt: string;
  /** Swarm service and task, from the labels swarm puts on task containers. */
  service: string | null;
  cpuPct: number | null;
  memUsedBytes: number | null;
  memLimitBytes: number | null;
}

export interface PsHost {
  id: string;
  ok: boolean;
  containers: number;
  apiVersion?: string;
  error?: FleetError;
}

export interface PsResult {
  timestamp: string;
  durationMs: number;
  hosts: PsHost[];
  containers: PsContainer[];
}

/** Between the two one-shot samples: long enough for a CPU delta, short enough for a quick answer. */
const SAMPLE_GAP_MS = 500;
/** `one-shot` arrived in API 1.41 (Docker 20.10); older engines wait for their own second sample. */
const ONE_SHOT_API = '1.41';

type Samples = Map<string, { before?: ContainerStatsSample; after?: ContainerStatsSample }>;

async function sampleStats(engine: DockerEngine, ids: string[], signal: AbortSignal): Promise<Samples> {
  const samples: Samples = new Map(ids.map((id) => [id, {}]));
  const take = (oneShot: boolean, slot: 'before' | 'after') =>
    Promise.all(
      ids.map(async (id) => {
        // A container that stopped in between has no stats: its row just shows '-'.
        const s = await engine.containerStats(id, oneShot, signal).catch(() => undefined);
        if (s) samples.get(id)![slot] = s;
      }),
    );
  if (compareApi(engine.apiVersion, ONE_SHOT_API) >= 0) {
    await take(true, 'before');
    await sleep(SAMPLE_GAP_MS, signal);
    await take(true, 'after');
  } else {
    // Without one-shot the engine answers after its next sample, with the previous one inside.
    await take(false, 'after');
    for (const s of samples.values()) {
      if (s.after) {
        s.before = {
          ...s.after,
          cpuTotal: s.after.preCpuTotal,
          systemCpu: s.after.preSystemCpu,
        };
      }
    }
  }
  return samples;
}

async function psHost(rt: Runtime, target: HostTarget): Promise<{ host: PsHost; rows: PsContainer[] }> {
  let engine: DockerEngine | undefined;
  try {
    const conn = await (await rt.pool()).connect(target, rt.signal);
    engine = await createDockerEngine(conn, { signal: rt.signal, sudoPassword: rt.sudoPassword });
    const list = await engine.listContainers(false, rt.signal);
    const samples = await sampleStats(
      engine,
      list.map((c) => c.id),
      rt.signal,
    );
    const rows = list.map((c): PsContainer => {
      const { before, after } = samples.get(c.id) ?? {};
      return {
        node: target.id,
        id: c.id.slice(0, 12),
        name: c.name,
        image: c.image,
        state: c.state,
        status: c.status,
        createdAt: new Date(c.created * 1000).toISOString(),
        service: c.labels['com.docker.swarm.service.name'] ?? null,
        cpuPct: before && after ? containerCpuPercent(before, after) : null,
        memUsedBytes: after ? containerMemoryUsed(after.memUsage, after.memInactiveFile) : null,
        memLimitBytes: after?.memLimit || null,
      };
    });
    return {
      host: { id: target.id, ok: true, containers: rows.length, apiVersion: engine.apiVersion },
      rows,
    };
  } catch (err) {
    const error = toFleetError(err);
    return { host: { id: target.id, ok: false, containers: 0, error }, rows: [] };
  } finally {
    engine?.close();
  }
}

export async function run(input: PsInput, rt: Runtime): Promise<PsResult> {
  const started = Date.now();
  preloadDockerClient();
  const perHost = await forEachHost(input.hosts, { concurrency: input.concurrency }, (t) => psHost(rt, t));
  return {
    timestamp: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    hosts: perHost.map((h) => h.host),
    containers: perHost.flatMap((h) => h.rows),
  };
}
