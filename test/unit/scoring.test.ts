import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFacts, type Facts } from '../../src/core/facts.js';
import { SCORE_WEIGHTS, scoreHost } from '../../src/core/scoring.js';

const DIR = join(import.meta.dirname, '../../fixtures/facts');
const fixture = (name: string): Facts => parseFacts(readFileSync(join(DIR, `${name}.txt`), 'utf8'));
const spark = fixture('dgx-spark');

describe('scoreHost', () => {
  it('ranks the fixtures: big NVMe hosts first, SD-card and Wi-Fi Pis last', () => {
    const names = [
      'raspberry-pi-5-sd-wifi-nonroot',
      'jetson-agx-xavier-32gb-emmc',
      'x86-server-no-docker-hdd',
      'dgx-spark',
      'raspberry-pi-4-sd',
      'jetson-agx-xavier-16gb-nvme',
      'x86-rtx4090-workstation',
    ];
    const ranked = names
      .map((n) => ({ n, total: scoreHost(fixture(n)).total }))
      .sort((a, b) => b.total - a.total)
      .map((x) => x.n);
    expect(ranked).toEqual([
      'dgx-spark',
      'x86-rtx4090-workstation',
      'x86-server-no-docker-hdd',
      'jetson-agx-xavier-16gb-nvme',
      'jetson-agx-xavier-32gb-emmc',
      'raspberry-pi-4-sd',
      'raspberry-pi-5-sd-wifi-nonroot',
    ]);
  });

  it('breaks a score down into its parts, which add up to the total', () => {
    const s = scoreHost(spark);
    expect(s.breakdown).toEqual({ cpu: 24, ram: 24, storage: 25, network: 15, gpu: -6, penalty: 0 });
    expect(s.total).toBe(82);
    expect(s.notes).toEqual([
      'cpu: 20 cores (counted 16)',
      'ram: 119.3 GiB (counted 32)',
      'storage: nvme (nvme0n1)',
      'network: 10000 Mbit/s',
      'gpu: NVIDIA GB10 (work capacity: kept for workloads)',
    ]);
    const agx = scoreHost(fixture('jetson-agx-xavier-32gb-emmc'));
    const b = agx.breakdown;
    expect(agx.total).toBeCloseTo(b.cpu + b.ram + b.storage + b.network + b.gpu + b.penalty, 6);
    expect(b.storage).toBe(0);
  });

  it('a GPU costs a host a mild, fixed amount: far less than SSD vs SD card', () => {
    const noGpu = scoreHost({ ...spark, gpus: [] });
    expect(noGpu.total - scoreHost(spark).total).toBe(-SCORE_WEIGHTS.gpu.hasGpu);
    expect(noGpu.breakdown.gpu).toBe(0);
    expect(-SCORE_WEIGHTS.gpu.hasGpu).toBeLessThan(
      SCORE_WEIGHTS.storage.ssd - SCORE_WEIGHTS.storage['sd-emmc'],
    );
  });

  it('storage kind dominates: SD/eMMC scores lowest, NVMe highest', () => {
    const kinds = (['nvme', 'ssd', 'unknown', 'hdd', 'sd-emmc'] as const).map(
      (kind) => scoreHost({ ...spark, disk: { ...spark.disk, kind } }).total,
    );
    expect([...kinds].sort((a, b) => b - a)).toEqual(kinds);
    expect(kinds[0]! - kinds[4]!).toBe(25);
  });

  it('scores links by speed; Wi-Fi lowest, unreported wired speed in the middle', () => {
    const net = (link: Facts['link']): number => scoreHost({ ...spark, link }).breakdown.network;
    expect(net({ iface: 'eth0', speedMbps: 25000, wireless: false })).toBe(15);
    expect(net({ iface: 'eth0', speedMbps: 1000, wireless: false })).toBe(10);
    expect(net({ iface: 'eth0', speedMbps: 100, wireless: false })).toBe(4);
    expect(net({ iface: 'eth0', speedMbps: 10, wireless: false })).toBe(1);
    expect(net({ iface: 'ens3', speedMbps: null, wireless: false })).toBe(6);
    expect(net({ iface: 'wlan0', speedMbps: 300, wireless: true })).toBe(0);
  });

  it('penalises low RAM, a nearly full Docker disk and an unsynchronised clock', () => {
    const s = scoreHost({
      ...spark,
      memoryBytes: 1024 ** 3,
      disk: { ...spark.disk, availableBytes: 1e9 },
      clock: { ...spark.clock, synced: false },
    });
    expect(s.breakdown.penalty).toBe(-20);
    expect(s.notes.filter((n) => n.startsWith('penalty:'))).toHaveLength(3);
  });

  it('is deterministic and gives hosts without facts 0', () => {
    expect(scoreHost(spark)).toEqual(scoreHost(fixture('dgx-spark')));
    expect(scoreHost(undefined)).toEqual({
      total: 0,
      breakdown: { cpu: 0, ram: 0, storage: 0, network: 0, gpu: 0, penalty: 0 },
      notes: ['no facts (host not reached)'],
    });
  });
});
