/**
 * How well a host suits the swarm's control plane. One function, one table of weights; docs/scoring.md
 * explains every number. Higher is a better manager. Pure and deterministic: the same facts always
 * give the same score, so rankings (and role_assignments.json) are reproducible.
 */
import type { DiskKind, Facts } from './facts.js';

/** Every weight scoring uses. Change here, and update docs/scoring.md with the reason. */
export const SCORE_WEIGHTS = {
  cpu: {
    /** Points per online core, up to `maxCores`: Raft and the dispatcher need a few free cores, not 64. */
    perCore: 1.5,
    maxCores: 16,
  },
  ram: {
    /** Points per GiB up to `maxGiB`: the Raft store and the task table live in memory. */
    perGiB: 0.75,
    maxGiB: 32,
  },
  /** The Raft log is fsync'd on every write: fast durable storage matters most of all. */
  storage: { nvme: 25, ssd: 20, hdd: 8, 'sd-emmc': 0, unknown: 10 } satisfies Record<DiskKind, number>,
  network: {
    /** [minimum Mbit/s, points], first match wins. */
    tiers: [
      [10_000, 15],
      [2_500, 12],
      [1_000, 10],
      [100, 4],
    ] as ReadonlyArray<readonly [number, number]>,
    /** A link below 100 Mbit/s. */
    slow: 1,
    /** Wired, but the speed is not reported (virtual NICs, some USB adapters). */
    unknownWired: 6,
    /** Wi-Fi: latency spikes cost heartbeats and trigger leader elections. */
    wireless: 0,
  },
  /** GPUs are work capacity: a host with one is mildly less preferred as a manager. */
  gpu: { hasGpu: -6 },
  penalty: {
    /** Under this much RAM a manager risks OOM when the task table grows. */
    lowMemoryBytes: 2 * 1024 ** 3,
    lowMemory: -10,
    /** Under this much free space on the Docker root the Raft log may fill it. */
    lowDiskBytes: 5 * 1000 ** 3,
    lowDisk: -5,
    /** Raft leases and TLS certificates both depend on clocks. */
    clockUnsynced: -5,
  },
} as const;

export interface ScoreBreakdown {
  cpu: number;
  ram: number;
  storage: number;
  network: number;
  /** Zero or negative. */
  gpu: number;
  /** Zero or negative: the sum of the penalties listed in `notes`. */
  penalty: number;
}

export interface HostScore {
  total: number;
  breakdown: ScoreBreakdown;
  /** One short reason per component, in breakdown order, then one per penalty. */
  notes: string[];
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function networkPoints(link: Facts['link']): [number, string] {
  const w = SCORE_WEIGHTS.network;
  if (link.wireless) return [w.wireless, `network: ${link.iface ?? 'link'} is Wi-Fi`];
  if (link.speedMbps === null) return [w.unknownWired, `network: ${link.iface ?? 'link'} speed not reported`];
  for (const [min, points] of w.tiers) {
    if (link.speedMbps >= min) return [points, `network: ${link.speedMbps} Mbit/s`];
  }
  return [w.slow, `network: ${link.speedMbps} Mbit/s (slow)`];
}

/** Scores a host from its facts. Hosts without facts (unreachable) score 0 and rank last. */
export function scoreHost(facts: Facts | undefined): HostScore {
  const breakdown: ScoreBreakdown = { cpu: 0, ram: 0, storage: 0, network: 0, gpu: 0, penalty: 0 };
  if (!facts) return { total: 0, breakdown, notes: ['no facts (host not reached)'] };
  const w = SCORE_WEIGHTS;
  const notes: string[] = [];

  const cores = Math.min(facts.cpu.cores, w.cpu.maxCores);
  breakdown.cpu = round1(cores * w.cpu.perCore);
  notes.push(
    `cpu: ${facts.cpu.cores} cores${facts.cpu.cores > w.cpu.maxCores ? ` (counted ${w.cpu.maxCores})` : ''}`,
  );

  const gib = facts.memoryBytes / 1024 ** 3;
  breakdown.ram = round1(Math.min(gib, w.ram.maxGiB) * w.ram.perGiB);
  notes.push(`ram: ${gib.toFixed(1)} GiB${gib > w.ram.maxGiB ? ` (counted ${w.ram.maxGiB})` : ''}`);

  breakdown.storage = w.storage[facts.disk.kind];
  notes.push(`storage: ${facts.disk.kind}${facts.disk.device ? ` (${facts.disk.device})` : ''}`);

  const [net, netNote] = networkPoints(facts.link);
  breakdown.network = net;
  notes.push(netNote);

  if (facts.gpus.length > 0) {
    breakdown.gpu = w.gpu.hasGpu;
    notes.push(`gpu: ${facts.gpus.map((g) => g.name).join(', ')} (work capacity: kept for workloads)`);
  }

  const p = w.penalty;
  if (facts.memoryBytes < p.lowMemoryBytes) {
    breakdown.penalty += p.lowMemory;
    notes.push(`penalty: less than ${p.lowMemoryBytes / 1024 ** 3} GiB RAM`);
  }
  if (facts.disk.availableBytes !== null && facts.disk.availableBytes < p.lowDiskBytes) {
    breakdown.penalty += p.lowDisk;
    notes.push(`penalty: under ${p.lowDiskBytes / 1000 ** 3} GB free on ${facts.disk.dockerRoot}`);
  }
  if (facts.clock.synced === false) {
    breakdown.penalty += p.clockUnsynced;
    notes.push('penalty: clock not synchronised');
  }

  const total = round1(
    breakdown.cpu + breakdown.ram + breakdown.storage + breakdown.network + breakdown.gpu + breakdown.penalty,
  );
  return { total, breakdown, notes };
}
