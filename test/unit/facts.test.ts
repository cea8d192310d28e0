import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuModelName } from '../../src/core/facts-device.js';
import {
  dockerFactsFromEngine,
  estimateClockSkewSeconds,
  parseFacts,
  parseGpuMemory,
  type EngineFactsSource,
  type Facts,
} from '../../src/core/facts.js';
import { catchFleetError } from '../helpers/fleet-error.js';

const DIR = join(import.meta.dirname, '../../fixtures/facts');
const fixture = (name: string): Facts => parseFacts(readFileSync(join(DIR, name), 'utf8'), { host: name });

function expectFactsError(text: string, pattern: RegExp): void {
  const err = catchFleetError(() => parseFacts(text, { host: 'h1' }), 'remote-exit');
  expect(err.host).toBe('h1');
  expect(err.message).toMatch(pattern);
}

const wrap = (body: string): string => `facts.version=1\nhostname=h\narch=x86_64\n${body}\nfacts.end=1\n`;

describe('parseFacts on every fixture', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.txt'));

  it('has the fixtures the issue asks for', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it.each(files)('%s parses with the basic fields filled', (file) => {
    const f = fixture(file);
    expect(f.hostname).not.toBe('');
    expect(f.cpu.cores).toBeGreaterThan(0);
    expect(f.memoryBytes).toBeGreaterThan(1e9);
    expect(f.clock.epoch).toBeGreaterThan(1.6e9);
    expect(f.disk.dockerRoot).toMatch(/^\//);
  });

  it('Jetson AGX Xavier 32 GB on eMMC (L4T R32, no nvidia-smi)', () => {
    const f = fixture('jetson-agx-xavier-32gb-emmc.txt');
    expect(f.deviceType).toBe('jetson-agx-xavier');
    expect(f.arch).toBe('aarch64');
    expect(f.os).toEqual({ id: 'ubuntu', name: 'Ubuntu 18.04.6 LTS', version: '18.04', codename: 'bionic' });
    expect(f.jetson).toEqual({ model: 'Jetson-AGX', l4t: 'R32.7.4', soc: 'tegra194' });
    expect(f.cpu).toEqual({ model: 'NVIDIA Carmel', cores: 8 });
    expect(f.memoryBytes).toBe(32541856 * 1024);
    expect(f.gpus).toEqual([
      { name: 'NVIDIA Volta (Xavier, integrated)', memoryBytes: null, integrated: true },
    ]);
    expect(f.disk).toMatchObject({ kind: 'sd-emmc', device: 'mmcblk0', sizeBytes: 31268536320 });
    expect(f.docker).toEqual({
      status: 'ok',
      version: '20.10.21',
      apiVersion: '1.41',
      swarm: { state: 'inactive' },
    });
    expect(f.clock.synced).toBe(true);
    expect(f.clock.offsetSeconds).toBeUndefined();
  });

  it('Jetson AGX Xavier 16 GB on NVMe, a swarm worker, Docker root moved', () => {
    const f = fixture('jetson-agx-xavier-16gb-nvme.txt');
    expect(f.deviceType).toBe('jetson-agx-xavier');
    expect(f.memoryBytes).toBeLessThan(17e9);
    expect(f.disk).toMatchObject({ kind: 'nvme', dockerRoot: '/mnt/nvme/docker', sizeBytes: 500107862016 });
    expect(f.docker.status === 'ok' && f.docker.swarm).toEqual({
      state: 'active',
      nodeId: 'x2kq8h3v0m9b6zt1c5r7w4ynd',
      clusterId: '5uq0a1mh7pr3lfd2kjx9cnbse',
      role: 'worker',
      nodeAddr: '10.0.1.27',
    });
  });

  it('DGX Spark: GB10 with [N/A] memory is integrated, big.LITTLE CPU named', () => {
    const f = fixture('dgx-spark.txt');
    expect(f.deviceType).toBe('dgx-spark');
    expect(f.jetson).toBeUndefined();
    expect(f.gpus).toEqual([
      { name: 'NVIDIA GB10', memoryBytes: null, driver: '580.95.05', integrated: true },
    ]);
    expect(f.cpu).toEqual({ model: 'Cortex-A725 + Cortex-X925', cores: 20 });
    expect(f.board).toBe('NVIDIA DGX Spark');
    expect(f.link).toEqual({ iface: 'enP7s7', speedMbps: 10000, wireless: false });
    expect(f.clock).toMatchObject({ offsetSeconds: -0.000412, synced: true, source: 'timesyncd' });
    expect(f.docker).toMatchObject({ status: 'ok', apiVersion: '1.51', swarm: { role: 'manager' } });
  });

  it('Raspberry Pi 4 and 5 on SD cards; the Pi 5 is on Wi-Fi without docker access', () => {
    const pi4 = fixture('raspberry-pi-4-sd.txt');
    expect(pi4.deviceType).toBe('raspberry-pi');
    expect(pi4.cpu.model).toBe('Cortex-A72');
    expect(pi4.board).toBe('Raspberry Pi 4 Model B Rev 1.5');
    expect(pi4.disk.kind).toBe('sd-emmc');
    const pi5 = fixture('raspberry-pi-5-sd-wifi-nonroot.txt');
    expect(pi5.deviceType).toBe('raspberry-pi');
    expect(pi5.cpu.model).toBe('Cortex-A76');
    expect(pi5.link).toEqual({ iface: 'wlan0', speedMbps: null, wireless: true });
    expect(pi5.docker.status).toBe('permission-denied');
    expect(pi5.docker.status !== 'ok' && pi5.docker.clientVersion).toBe('27.4.0');
    expect(pi5.user).toEqual({ name: 'pi', uid: 1000 });
  });

  it('x86 workstation with an RTX card', () => {
    const f = fixture('x86-rtx4090-workstation.txt');
    expect(f.deviceType).toBe('x86-gpu');
    expect(f.gpus).toEqual([
      {
        name: 'NVIDIA GeForce RTX 4090',
        memoryBytes: 24564 * 1024 ** 2,
        driver: '550.127.05',
        integrated: false,
      },
    ]);
    expect(f.cpu.model).toBe('AMD Ryzen 9 7950X 16-Core Processor');
    expect(f.clock.source).toBe('chrony');
  });

  it('a host without Docker on an HDD', () => {
    const f = fixture('x86-server-no-docker-hdd.txt');
    expect(f.deviceType).toBe('x86');
    expect(f.docker).toEqual({ status: 'absent', error: undefined, clientVersion: undefined });
    expect(f.disk.kind).toBe('hdd');
  });
});

describe('parseFacts format rules', () => {
  it('ignores login-shell noise before the header and anything after facts.end', () => {
    const f = parseFacts(`Welcome!\nlast login: x=y\n${wrap('kernel=6.1')}logout\n`);
    expect(f.kernel).toBe('6.1');
  });

  it('unescapes \\n and \\\\ and keeps = inside values', () => {
    const f = parseFacts(wrap('os.name=a\\nb\\\\c=d'));
    expect(f.os.name).toBe('a\nb\\c=d');
  });

  it('accepts CRLF line ends', () => {
    expect(parseFacts(wrap('kernel=5.4').replace(/\n/g, '\r\n')).kernel).toBe('5.4');
  });

  it('collects several GPUs in index order', () => {
    const f = parseFacts(
      wrap('gpu.1.name=B\ngpu.1.memory=8192 MiB\ngpu.0.name=A\ngpu.0.memory=[N/A]\ngpu.count=2'),
    );
    expect(f.gpus.map((g) => [g.name, g.memoryBytes])).toEqual([
      ['A', null],
      ['B', 8192 * 1024 ** 2],
    ]);
    expect(f.deviceType).toBe('x86-gpu');
  });

  it('rejects empty output, a missing header, a missing end, and a wrong version', () => {
    expectFactsError('', /printed nothing/);
    expectFactsError('bash: sh: command not found\n', /no "facts.version=" line .*command not found/);
    expectFactsError('facts.version=1\nhostname=h\narch=x86_64\n', /without "facts.end=1" \(truncated/);
    expectFactsError(
      'facts.version=2\nhostname=h\narch=x\nfacts.end=1\n',
      /line 1: facts format version "2"/,
    );
  });

  it('names the line of malformed content', () => {
    expectFactsError(wrap('this is not a pair'), /line 4: expected key=value/);
    expectFactsError(wrap('Bad Key=1'), /line 4: invalid key "Bad Key"/);
    expectFactsError(wrap('hostname=again'), /line 4: key "hostname" repeats line 2/);
    expectFactsError(wrap('cpu.cores=eight'), /line 4: cpu.cores="eight" is not a whole number/);
    expectFactsError(wrap('os.name=a\\tb'), /line 4: unknown escape "\\t"/);
    expectFactsError(wrap('docker.status=sleepy'), /line 4: docker.status="sleepy" is not one of ok, absent/);
    expectFactsError(wrap('clock.offset_seconds=1e3'), /line 4: clock.offset_seconds="1e3" is not a number/);
    expectFactsError('facts.version=1\narch=x86_64\nfacts.end=1\n', /missing "hostname=" line/);
  });

  it('requires a docker version when the status is ok', () => {
    expectFactsError(wrap('docker.status=ok'), /missing "docker.version="/);
  });

  it('degrades an unknown disk kind to unknown', () => {
    expect(parseFacts(wrap('disk.kind=optane')).disk.kind).toBe('unknown');
  });
});

describe('hardware naming', () => {
  it('prefers x86 model names and replaces the useless armv7 one with part names', () => {
    expect(cpuModelName('Intel(R) Xeon(R)', undefined)).toBe('Intel(R) Xeon(R)');
    expect(cpuModelName('ARMv7 Processor rev 3 (v7l)', '0x41:0xd08')).toBe('Cortex-A72');
    expect(cpuModelName(undefined, '0x41:0xd99')).toBe('arm 0x41:0xd99');
    expect(cpuModelName(undefined, undefined)).toBe('unknown');
  });

  it('classifies Jetson Orin and Xavier NX from compatible strings', () => {
    const orin = parseFacts(
      wrap(
        'board.model=NVIDIA Jetson AGX Orin Developer Kit\nboard.compatible=nvidia,p3737-0000+p3701-0000 nvidia,tegra234',
      ),
    );
    expect(orin.deviceType).toBe('jetson-agx-orin');
    expect(orin.gpus[0]?.name).toBe('NVIDIA Ampere (Orin, integrated)');
    const nx = parseFacts(
      wrap(
        'board.model=NVIDIA Jetson Xavier NX Developer Kit\nboard.compatible=nvidia,p3509-0000+p3668-0001 nvidia,tegra194',
      ),
    );
    expect(nx.deviceType).toBe('jetson-xavier-nx');
  });

  it('parses nvidia-smi memory with and without units', () => {
    expect(parseGpuMemory('24564 MiB')).toBe(24564 * 1024 ** 2);
    expect(parseGpuMemory('80')).toBe(80 * 1024 ** 2);
    expect(parseGpuMemory('[N/A]')).toBeNull();
    expect(parseGpuMemory('[Not Supported]')).toBeNull();
  });

  it('estimates clock skew from the epoch and the round trip', () => {
    const { skew, uncertainty } = estimateClockSkewSeconds({ clock: { epoch: 1000 } }, 1_000_000, 1_001_000);
    expect(skew).toBe(0); // remote 1000.5 vs local midpoint 1000.5
    expect(uncertainty).toBe(1);
  });
});

describe('dockerFactsFromEngine', () => {
  const engine = (swarm: Partial<EngineFactsSource['swarm']>): EngineFactsSource => ({
    serverVersion: '20.10.24',
    apiVersion: '1.41',
    dockerRootDir: '/var/lib/docker',
    swarm: {
      localNodeState: 'inactive',
      nodeId: '',
      clusterId: '',
      controlAvailable: false,
      nodeAddr: '',
      ...swarm,
    },
  });

  it('reads what facts.sh reads from docker info: a host in no swarm', () => {
    expect(dockerFactsFromEngine(engine({}))).toEqual({
      status: 'ok',
      version: '20.10.24',
      apiVersion: '1.41',
      swarm: { state: 'inactive' },
    });
  });

  it('a manager and a worker of a swarm; an unknown state is inactive', () => {
    const manager = engine({
      localNodeState: 'active',
      nodeId: 'n1',
      clusterId: 'c1',
      controlAvailable: true,
      nodeAddr: '10.0.0.2',
    });
    expect(dockerFactsFromEngine(manager)).toMatchObject({
      swarm: { state: 'active', nodeId: 'n1', clusterId: 'c1', role: 'manager', nodeAddr: '10.0.0.2' },
    });
    const worker = engine({ localNodeState: 'pending', nodeId: 'n2' });
    expect(dockerFactsFromEngine(worker)).toMatchObject({ swarm: { state: 'pending', role: 'worker' } });
    expect(dockerFactsFromEngine(engine({ localNodeState: 'weird' }))).toMatchObject({
      swarm: { state: 'inactive' },
    });
  });
});

describe('remote/facts.sh on this machine', () => {
  const script = readFileSync(join(import.meta.dirname, '../../remote/facts.sh'), 'utf8');
  for (const shell of ['dash', 'bash']) {
    it(`runs under ${shell} from stdin and parses`, () => {
      const out = execFileSync(shell, ['-s'], { input: script, encoding: 'utf8' });
      const f = parseFacts(out);
      expect(f.arch).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
      expect(f.cpu.cores).toBeGreaterThan(0);
      expect(f.memoryBytes).toBeGreaterThan(0);
      expect(['ok', 'absent', 'permission-denied', 'unreachable', 'timeout', 'error']).toContain(
        f.docker.status,
      );
      expect(Math.abs(f.clock.epoch - Date.now() / 1000)).toBeLessThan(60);
    });
  }
});

describe('remote/facts.sh probes, with stub commands on PATH', () => {
  const script = readFileSync(join(import.meta.dirname, '../../remote/facts.sh'), 'utf8');
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function runWithStubs(stubs: Record<string, string>, args: string[] = []): Facts {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-facts-stub-'));
    dirs.push(dir);
    for (const [name, body] of Object.entries(stubs)) {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    }
    const out = execFileSync('dash', ['-s', '--', ...args], {
      input: script,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
    });
    return parseFacts(out);
  }

  it('reads docker info, nvidia-smi csv and the timesyncd offset', () => {
    const f = runWithStubs({
      docker: [
        'case "$1" in',
        '  info) echo "OK|24.0.7|/srv/docker|active|abcdefghijklmnopqrstuvwxy|false||10.1.2.3" ;;',
        '  version) echo 1.43 ;;',
        'esac',
      ].join('\n'),
      'nvidia-smi':
        'echo "NVIDIA GeForce RTX 3090, 24576 MiB, 535.183.01"; echo "NVIDIA RTX A4000, 16376 MiB, 535.183.01"',
      timedatectl: [
        'case "$1" in',
        '  status) echo "       System clock synchronized: no" ;;',
        '  timesync-status) echo "       Offset: -1.345ms" ;;',
        'esac',
      ].join('\n'),
    });
    expect(f.docker).toEqual({
      status: 'ok',
      version: '24.0.7',
      apiVersion: '1.43',
      swarm: { state: 'active', nodeId: 'abcdefghijklmnopqrstuvwxy', role: 'worker', nodeAddr: '10.1.2.3' },
    });
    expect(f.disk.dockerRoot).toBe('/srv/docker');
    expect(f.gpus.map((g) => [g.name, g.memoryBytes, g.driver])).toEqual([
      ['NVIDIA GeForce RTX 3090', 24576 * 1024 ** 2, '535.183.01'],
      ['NVIDIA RTX A4000', 16376 * 1024 ** 2, '535.183.01'],
    ]);
    expect(f.deviceType).toBe(f.arch === 'x86_64' ? 'x86-gpu' : 'arm64-gpu');
    expect(f.clock).toMatchObject({ synced: false, offsetSeconds: -0.001345, source: 'timesyncd' });
  });

  it('--docker-from-api runs no docker CLI, says deferred, and still reads the rest', () => {
    const calls = join(mkdtempSync(join(tmpdir(), 'fleet-facts-calls-')), 'docker-calls');
    dirs.push(join(calls, '..'));
    const f = runWithStubs(
      {
        docker: `echo "$@" >>${calls}; echo "OK|24.0.7|/srv/docker|active|x|true||10.1.2.3"`,
        'nvidia-smi': 'echo "NVIDIA RTX A4000, 16376 MiB, 535.183.01"',
      },
      ['--docker-from-api'],
    );
    expect(f.docker.status).toBe('deferred');
    expect(() => readFileSync(calls)).toThrow(/ENOENT/);
    // The configured root (no daemon.json here: the default), not the one `docker info` would say.
    expect(f.disk.dockerRoot).toBe('/var/lib/docker');
    expect(f.gpus.map((g) => g.name)).toEqual(['NVIDIA RTX A4000']);
  });

  it('reports a docker socket it may not use, and a broken nvidia driver, without failing', () => {
    const f = runWithStubs({
      docker: [
        'case "$1" in',
        '  info) echo "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock" >&2; exit 1 ;;',
        '  version) echo 20.10.21; exit 1 ;;',
        'esac',
      ].join('\n'),
      'nvidia-smi':
        'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."; exit 9',
    });
    expect(f.docker).toMatchObject({ status: 'permission-denied', clientVersion: '20.10.21' });
    expect(f.gpus).toEqual([]);
    expect(f.raw['gpu.error']).toMatch(/^NVIDIA-SMI has failed/);
    expect(f.raw['docker.api_version']).toBeUndefined();
  });
});
