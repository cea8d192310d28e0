import { describe, expect, it } from 'vitest';
import { parseBootstrapProbe, planHostBootstrap } from '../../src/core/bootstrap-plan.js';
import { parseNfsSpec } from '../../src/core/nfs-mounts.js';

const probe = (lines: string[]) => parseBootstrapProbe(`${lines.join('\n')}\n`, 'agx-01');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const BASE = ['uid=1000', 'user=nvidia', 'os=ubuntu 18.04', 'apt=1', 'group.docker=1'];
const RUNNING = [
  ...BASE,
  'pkg.docker.io=ii',
  'dockerd=/usr/bin/dockerd',
  'docker.active=active',
  'docker.enabled=enabled',
];
const kinds = (p: { steps: { kind: string }[] }) => p.steps.map((s) => s.kind);

describe('bootstrap plan', () => {
  it('a host without Docker: install with apt, write daemon.json, enable and start', () => {
    const p = planHostBootstrap(
      probe([...BASE, 'pkg.docker.io=rc']),
      { debs: [], dockerGroup: false },
      'agx-01',
    );
    expect(kinds(p)).toEqual(['install', 'daemon-json', 'start']);
    expect(p.steps[0]!.sentence).toBe('install the Docker engine: apt-get install docker.io');
    expect(p.steps[2]!.sentence).toBe('enable and start docker');
  });

  it('installs from the given .debs instead of apt', () => {
    const p = planHostBootstrap(probe(BASE), { debs: ['docker.io_1.deb'], dockerGroup: false }, 'pi-01');
    expect(p.steps[0]).toMatchObject({ kind: 'install', source: 'debs', debs: ['docker.io_1.deb'] });
  });

  it('a configured host plans nothing (a re-run changes nothing)', () => {
    const json = '{"log-opts":{"max-size":"10m","max-file":"3"}}';
    const p = planHostBootstrap(
      probe([...RUNNING, `daemon_json=${b64(json)}`]),
      { debs: [], dockerGroup: false },
      'x',
    );
    expect(p.steps).toEqual([]);
  });

  it('a running engine whose daemon.json changes is restarted, the old file backed up', () => {
    const p = planHostBootstrap(
      probe([...RUNNING, `daemon_json=${b64('{"debug":true}')}`]),
      { debs: [], dockerGroup: false },
      'x',
    );
    expect(kinds(p)).toEqual(['daemon-json', 'restart']);
    expect(p.steps[0]).toMatchObject({ backup: true });
  });

  it('GPU with the NVIDIA runtime: default runtime nvidia; GPU without it: a note, nothing set', () => {
    const gpu = ['gpu=GPU 0: NVIDIA GB10', 'nvidia_runtime=/usr/bin/nvidia-container-runtime'];
    const p = planHostBootstrap(probe([...RUNNING, ...gpu]), { debs: [], dockerGroup: false }, 'spark');
    expect(p.nvidiaDefault).toBe(true);
    const step = p.steps.find((s) => s.kind === 'daemon-json');
    expect(step && 'diff' in step ? step.diff.join('\n') : '').toMatch(/default-runtime: "nvidia"/);
    const noRuntime = planHostBootstrap(
      probe([...RUNNING, gpu[0]!]),
      { debs: [], dockerGroup: false },
      'spark',
    );
    expect(noRuntime.nvidiaDefault).toBe(false);
    expect(noRuntime.notes[0]).toMatch(/no nvidia-container-runtime/);
  });

  it('docker group only when asked and the user is not in it yet; enable when disabled', () => {
    const lines = [
      ...RUNNING.filter((l) => !l.startsWith('docker.enabled')),
      'docker.enabled=disabled',
      `daemon_json=${b64('{"log-driver":"journald"}')}`,
    ];
    const p = planHostBootstrap(probe(lines), { debs: [], dockerGroup: true }, 'x');
    expect(kinds(p)).toEqual(['docker-group', 'enable']);
    const already = planHostBootstrap(
      probe([...lines, 'user.in_docker=1']),
      { debs: [], dockerGroup: true },
      'x',
    );
    expect(kinds(already)).toEqual(['enable']);
  });

  it('no Docker and no apt without .debs: a usage error naming the host and the way out', () => {
    const lines = BASE.filter((l) => l !== 'apt=1');
    expect(() => planHostBootstrap(probe(lines), { debs: [], dockerGroup: false }, 'pi-01')).toThrow(
      /pi-01 has no Docker engine and no apt-get/,
    );
  });

  it('a broken daemon.json stops that host, naming the file', () => {
    expect(() =>
      planHostBootstrap(
        probe([...RUNNING, `daemon_json=${b64('{oops')}`]),
        { debs: [], dockerGroup: false },
        'agx-02',
      ),
    ).toThrow(/agx-02:\/etc\/docker\/daemon.json: not valid JSON/);
  });

  describe('--nfs', () => {
    const CONFIGURED = [...RUNNING, `daemon_json=${b64('{"log-opts":{"max-size":"10m","max-file":"3"}}')}`];
    const nfs = [parseNfsSpec('10.0.0.1:/mnt/models:/mnt/spark-models')];
    const fstab = 'UUID=1 / ext4 defaults 0 1\n';
    const plan = (lines: string[]) =>
      planHostBootstrap(probe(lines), { debs: [], dockerGroup: false, nfs }, 'agx-01');

    it('installs the client, merges fstab (backup kept) and mounts', () => {
      const p = plan([...CONFIGURED, `fstab=${b64(fstab)}`]);
      expect(kinds(p)).toEqual(['nfs-client', 'fstab', 'mount']);
      expect(p.steps[1]).toMatchObject({ backup: true });
      expect(p.steps[1]!.sentence).toBe(
        'merge /etc/fstab: add 10.0.0.1:/mnt/models on /mnt/spark-models (nfs, _netdev,nofail) (the old file kept as a backup)',
      );
      expect(p.steps[2]!.sentence).toBe('mount 10.0.0.1:/mnt/models on /mnt/spark-models');
    });

    it('changes nothing when the entry is there and mounted; only mounts when it is not', () => {
      const merged = `${fstab}10.0.0.1:/mnt/models /mnt/spark-models nfs defaults,_netdev,nofail 0 0\n`;
      const there = [...CONFIGURED, 'mount_nfs=1', `fstab=${b64(merged)}`];
      expect(kinds(plan([...there, 'mounted=/mnt/spark-models']))).toEqual([]);
      expect(kinds(plan(there))).toEqual(['mount']);
    });

    it('installs the NFS client from --packages when nfs-common is among the .debs', () => {
      const lines = [...CONFIGURED, `fstab=${b64(fstab)}`];
      const p = planHostBootstrap(
        probe(lines.filter((l) => l !== 'apt=1')),
        { debs: ['keyutils_1.6.3-2_amd64.deb', 'nfs-common_2.6.2-4_amd64.deb'], dockerGroup: false, nfs },
        'agx-01',
      );
      expect(p.steps[0]).toEqual({
        kind: 'nfs-client',
        source: 'debs',
        sentence: 'install the NFS client from nfs-common_2.6.2-4_amd64.deb',
      });
    });

    it('no NFS client and no apt-get: a usage error naming the host', () => {
      const lines = CONFIGURED.filter((l) => l !== 'apt=1');
      expect(() => plan(lines)).toThrow(/agx-01 has no NFS client \(mount\.nfs\) and no apt-get/);
    });
  });
});
