/**
 * remote/host-metrics.sh run for real (dash, bash, busybox sh) on this machine, and with stub
 * nvidia-smi / tegrastats / docker on PATH, parsed by core/host-metrics.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHostMetrics, type HostMetrics } from '../../src/core/host-metrics.js';

const script = readFileSync(join(import.meta.dirname, '../../remote/host-metrics.sh'), 'utf8');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(shell: string[], stubs: Record<string, string> = {}): HostMetrics {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-metrics-stub-'));
  dirs.push(dir);
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const [cmd, ...args] = shell;
  const out = execFileSync(cmd!, [...args, '-s'], {
    input: script,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
  });
  return parseHostMetrics(out, 'local');
}

describe('remote/host-metrics.sh on this machine', () => {
  for (const shell of [['dash'], ['bash', '--posix'], ['busybox', 'sh']]) {
    it(`runs under ${shell.join(' ')} from stdin and parses`, () => {
      const m = run(shell);
      expect(m.cpuPct).not.toBeNull();
      expect(m.cpuPct!).toBeGreaterThanOrEqual(0);
      expect(m.memTotalBytes).toBeGreaterThan(0);
      expect(m.memUsedBytes!).toBeLessThanOrEqual(m.memTotalBytes!);
      expect(m.diskRoot?.totalBytes).toBeGreaterThan(0);
      expect(m.netRxBytesPerSec).not.toBeNull();
      expect(m.uptimeSeconds).toBeGreaterThan(0);
    });
  }
});

describe('remote/host-metrics.sh with stub tools', () => {
  it('one line per GPU from nvidia-smi', () => {
    const m = run(['dash'], { 'nvidia-smi': 'echo "NVIDIA GB10, 4, 41, [N/A], [N/A]"' });
    expect(m.gpus).toEqual([
      { name: 'GB10', source: 'nvidia-smi', utilPct: 4, tempC: 41, memUsedMiB: null, memTotalMiB: null },
    ]);
    expect(m.tempC).toBe(41);
  });

  it('takes one tegrastats sample although tegrastats never stops by itself', () => {
    const m = run(['dash'], {
      tegrastats:
        'while :; do echo "RAM 2202/31927MB (lfb 7047x4MB) GR3D_FREQ 7%@1377 AO@36C GPU@37C GPU 0/0"; sleep 0.1; done',
    });
    expect(m.gpus[0]).toMatchObject({ source: 'tegrastats', utilPct: 7, tempC: 37 });
  });

  it('starts no docker CLI: the running containers come from the engine (GET /info)', () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'fleet-metrics-docker-')), 'ran');
    dirs.push(dirname(marker));
    const m = run(['dash'], { docker: `touch ${marker}; echo 0123456789ab` });
    expect(existsSync(marker)).toBe(false);
    expect(m.containersRunning).toBeNull();
  });

  it('reads the Docker data-root from daemon.json when the host sets one', () => {
    // The script reads /etc/docker/daemon.json; here a copy of it with the path swapped in.
    const dir = mkdtempSync(join(tmpdir(), 'fleet-metrics-root-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'daemon.json'), `{\n  "log-driver": "json-file",\n  "data-root": "${dir}"\n}\n`);
    const patched = script.replaceAll('/etc/docker/daemon.json', join(dir, 'daemon.json'));
    const out = execFileSync('dash', ['-s'], { input: patched, encoding: 'utf8', timeout: 20_000 });
    const m = parseHostMetrics(out, 'local');
    expect(m.diskDocker?.path).toBe(dir);
    expect(m.diskDocker?.totalBytes).toBeGreaterThan(0);
  });
});
