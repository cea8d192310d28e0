import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cpuPercent,
  jetsonName,
  parseHostMetrics,
  parseNvidiaSmiLine,
  parseTegrastatsLine,
} from '../../src/core/host-metrics.js';
import { FleetError } from '../../src/core/errors.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/host-metrics/${name}.txt`, import.meta.url), 'utf8');

describe('parseHostMetrics on recorded and constructed outputs', () => {
  it('DGX Spark: GB10 with [N/A] memory, GPU temperature wins over the thermal zone', () => {
    const m = parseHostMetrics(fixture('dgx-spark-gb10'));
    expect(m.gpus).toEqual([
      { name: 'GB10', source: 'nvidia-smi', utilPct: 4, tempC: 41, memUsedMiB: null, memTotalMiB: null },
    ]);
    expect(m.tempC).toBe(41);
    expect(m.containersRunning).toBe(6);
    expect(m.memTotalBytes).toBe(125240328 * 1024);
    expect(m.memUsedBytes).toBe((125240328 - 92530612) * 1024);
    expect(m.diskDocker).toEqual({
      totalBytes: 3844147976 * 1024,
      usedBytes: 1288345120 * 1024,
      path: '/var/lib/docker',
    });
    // 5,000,000 bytes received in 0.51 s.
    expect(m.netRxBytesPerSec).toBeCloseTo(5_000_000 / 0.51, 0);
    expect(m.netTxBytesPerSec).toBeCloseTo(500_000 / 0.51, 0);
    // busy 240+60+4 of 240+60+5372+4 jiffies.
    expect(m.cpuPct).toBeCloseTo((304 / 5676) * 100, 5);
  });

  it('JetPack 4.6 Xavier: banner ignored, GR3D_FREQ 0%@1377 and GPU@37C (not the "GPU 0/0" rail)', () => {
    const m = parseHostMetrics(fixture('jetson-agx-xavier-jp46'));
    expect(m.gpus).toEqual([
      { name: 'Xavier', source: 'tegrastats', utilPct: 0, tempC: 37, memUsedMiB: null, memTotalMiB: null },
    ]);
    expect(m.tempC).toBe(37);
    expect(m.uptimeSeconds).toBeCloseTo(30512.61);
  });

  it('JetPack 5 Xavier: date in front, mW rails, fractional GPU temperature', () => {
    const m = parseHostMetrics(fixture('jetson-agx-xavier-jp5'));
    expect(m.gpus[0]).toMatchObject({ name: 'Xavier', utilPct: 12, tempC: 34.5 });
  });

  it('JetPack 6 Orin: "GR3D_FREQ 0%" without frequency and lower-case gpu@', () => {
    const m = parseHostMetrics(fixture('jetson-agx-orin-jp6'));
    expect(m.gpus[0]).toMatchObject({ name: 'Orin', utilPct: 0, tempC: 44.25 });
    expect(m.diskDocker?.path).toBe('/mnt/nvme/docker');
    expect(m.diskDocker?.totalBytes).not.toBe(m.diskRoot?.totalBytes);
  });

  it('Raspberry Pi: no GPU, temperature from the hottest thermal zone', () => {
    const m = parseHostMetrics(fixture('raspberry-pi-4-thermal-only'));
    expect(m.gpus).toEqual([]);
    expect(m.tempC).toBeCloseTo(48.686);
    expect(m.containersRunning).toBeNull();
  });

  it('two GPUs: one entry each, the hottest is the host temperature', () => {
    const m = parseHostMetrics(fixture('x86-two-gpus'));
    expect(m.gpus.map((g) => [g.name, g.utilPct, g.memUsedMiB])).toEqual([
      ['RTX 4090', 87, 20115],
      ['RTX 4090', 3, 1],
    ]);
    expect(m.tempC).toBe(71);
    expect(m.cpuPct).toBeCloseTo((200 / 400) * 100);
    expect(m.netRxBytesPerSec).toBe(0);
  });

  it('the recording from this VM: no GPU, no temperature, no docker count', () => {
    const m = parseHostMetrics(fixture('debian12-vm-this-machine'));
    expect(m.gpus).toEqual([]);
    expect(m.tempC).toBeNull();
    expect(m.diskDocker).toBeNull();
    expect(m.cpuPct).not.toBeNull();
    expect(m.memTotalBytes).toBe(24683656 * 1024);
  });

  it('refuses output without its framing lines, naming the host', () => {
    const truncated = fixture('dgx-spark-gb10').replace('metrics.end=1', '');
    expect(() => parseHostMetrics(truncated, 'spark')).toThrow(/truncated/);
    const err = (() => {
      try {
        parseHostMetrics('sh: 1: awk: not found\n', 'agx-01');
      } catch (e) {
        return e;
      }
    })() as FleetError;
    expect(err).toBeInstanceOf(FleetError);
    expect(err.host).toBe('agx-01');
    expect(err.message).toContain('metrics.version=1');
  });
});

describe('the pieces', () => {
  it('cpuPercent counts iowait as idle and refuses empty or backwards samples', () => {
    expect(cpuPercent([0, 0, 0, 100, 100, 0, 0, 0], [0, 0, 0, 200, 200, 0, 0, 0])).toBe(0);
    expect(cpuPercent([10, 0, 0, 0], [60, 0, 50, 100])).toBe(50);
    expect(cpuPercent([], [1, 2, 3, 4])).toBeNull();
    expect(cpuPercent([5, 5, 5, 5], [5, 5, 5, 5])).toBeNull();
  });

  it('nvidia-smi lines: [Not Supported] and short lines', () => {
    expect(parseNvidiaSmiLine('NVIDIA A100-SXM4-40GB, [Not Supported], 30, 0, 40960')).toMatchObject({
      name: 'A100-SXM4-40GB',
      utilPct: null,
      tempC: 30,
    });
    expect(parseNvidiaSmiLine('No devices were found')).toBeNull();
  });

  it('tegrastats: Orin with per-GPC frequencies; a line without GPU fields is none', () => {
    expect(parseTegrastatsLine('GR3D_FREQ 45%@[305,305] gpu@40C', 'NVIDIA Jetson AGX Orin')).toMatchObject({
      utilPct: 45,
      tempC: 40,
      name: 'Orin',
    });
    expect(parseTegrastatsLine('RAM 1/2MB GPU 0/0')).toBeNull();
    expect(jetsonName(undefined)).toBe('Jetson');
  });

  it('counts network traffic over the interfaces present in both samples (a veth may vanish between them)', () => {
    const out = [
      'metrics.version=1',
      'uptime1=100.00',
      'net1=eth0:1000:500 veth1:900000:900000',
      'uptime2=102.00',
      'net2=eth0:3000:1500 veth2:10:10',
      'metrics.end=1',
    ].join('\n');
    const m = parseHostMetrics(out);
    expect(m.netRxBytesPerSec).toBe(1000);
    expect(m.netTxBytesPerSec).toBe(500);
  });
});
