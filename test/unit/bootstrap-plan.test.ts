import { describe, expect, it } from 'vitest';
import {
  checkManagerRestart,
  parseBootstrapProbe,
  planHostBootstrap,
} from '../../src/core/bootstrap-plan.js';

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

  it('a manager restart is refused only when it would take the last quorum margin of 3+ managers', () => {
    expect(() => checkManagerRestart('m1', 3, 3)).not.toThrow();
    expect(() => checkManagerRestart('m1', 3, 2)).toThrow(
      /restarting Docker on m1 would lose quorum: 1 of 3 managers left, 2 needed/,
    );
    expect(() => checkManagerRestart('m1', 5, 4)).not.toThrow();
    expect(() => checkManagerRestart('m1', 5, 3)).toThrow(/2 of 5 managers left, 3 needed/);
    expect(() => checkManagerRestart('m1', 1, 1)).not.toThrow();
    expect(() => checkManagerRestart('m1', 2, 2)).not.toThrow();
  });
});
