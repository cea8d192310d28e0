import { describe, expect, it } from 'vitest';
import {
  checkRemotePath,
  parseRemoteState,
  parseRemoteSums,
  planHost,
  planPush,
  pullLocalPath,
  tempPath,
  type LocalSource,
} from '../../src/core/transfer-plan.js';
import { overallProgress, shouldReport } from '../../src/core/transfer-progress.js';
import { transferExitCode, type TransferHostReport } from '../../src/core/transfer-report.js';

const S = 'a'.repeat(64);
const T = 'b'.repeat(64);

const dir = (arg: string): LocalSource => ({
  arg,
  type: 'directory',
  entries: [
    { source: arg, rel: '', type: 'directory', mode: 0o755, mtime: 1, size: 0 },
    { source: arg, rel: 'sub', type: 'directory', mode: 0o700, mtime: 1, size: 0 },
    { source: arg, rel: 'sub/a b.txt', type: 'file', mode: 0o644, mtime: 1, size: 3, sha256: S },
  ],
});
const file = (arg: string, sha256 = T): LocalSource => ({
  arg,
  type: 'file',
  entries: [{ source: arg, rel: '', type: 'file', mode: 0o600, mtime: 1, size: 5, sha256 }],
});

describe('planPush: where each entry lands', () => {
  it('a directory lands as DEST/NAME; with a trailing slash its contents go into DEST', () => {
    expect(planPush([dir('./conf')], '/etc/app').entries.map((e) => e.remote)).toEqual([
      '/etc/app/conf',
      '/etc/app/conf/sub',
      '/etc/app/conf/sub/a b.txt',
    ]);
    const contents = planPush([dir('./conf/')], '/etc/app/');
    expect(contents.entries.map((e) => e.remote)).toEqual(['/etc/app/sub', '/etc/app/sub/a b.txt']);
    expect(contents.parent).toBe('/etc/app');
    expect(contents).toMatchObject({ files: 1, bytes: 3 });
  });

  it('a single file onto a path without a slash is renamed; into DEST/ or with several sources it keeps its name', () => {
    expect(planPush([file('x/daemon.json')], '/etc/docker/daemon.json')).toMatchObject({
      parent: '/etc/docker',
      entries: [{ remote: '/etc/docker/daemon.json' }],
    });
    expect(planPush([file('x/daemon.json')], '/etc/docker/').entries[0]!.remote).toBe(
      '/etc/docker/daemon.json',
    );
    expect(planPush([file('a'), file('b')], '/opt').entries.map((e) => e.remote)).toEqual([
      '/opt/a',
      '/opt/b',
    ]);
  });

  it('refuses relative destinations, unsafe names and two sources writing one path', () => {
    expect(() => planPush([file('a')], 'opt/a')).toThrow(/DEST "opt\/a" must be an absolute path/);
    expect(() => checkRemotePath('/tmp/a\nb', 'DEST')).toThrow(/newline, tab or backslash/);
    const bad = file('ok');
    bad.entries[0]!.rel = '';
    bad.arg = 'we\\ird';
    bad.entries[0]!.source = 'we\\ird';
    expect(() => planPush([bad], '/opt/')).toThrow(/newline, tab or backslash/);
    expect(() => planPush([file('x/a'), file('y/a')], '/opt/')).toThrow(
      /\/opt\/a would be written from both x\/a and y\/a/,
    );
  });
});

describe('planHost: what a host still needs', () => {
  const plan = planPush([dir('conf'), file('b')], '/srv/');
  it('skips files whose sha256 matches and directories that exist; --force sends files again', () => {
    const state = parseRemoteState(
      `missing-parent\nd /srv/conf\nf ${S}  /srv/conf/sub/a b.txt\nf ${S}  /srv/b\nnoise\n`,
    );
    const host = planHost(plan, state, false);
    expect(host.send.map((e) => e.remote)).toEqual(['/srv/conf/sub', '/srv/b']);
    expect(host).toMatchObject({ files: 1, bytes: 5 });
    expect(planHost(plan, state, true).send.map((e) => e.remote)).toEqual([
      '/srv/conf/sub',
      '/srv/conf/sub/a b.txt',
      '/srv/b',
    ]);
  });
  it('names the temp file beside its destination', () => {
    expect(tempPath('/srv/conf/a b.txt', 'n1')).toBe('/srv/conf/.a b.txt.fleet-n1');
  });
});

describe('pull paths and listings', () => {
  it('maps host files into LOCALDIR/<host>/<name>/… and refuses paths outside REMOTE', () => {
    expect(pullLocalPath('out', 'agx-01', '/var/log/app', '/var/log/app/x/y.log')).toBe(
      'out/agx-01/app/x/y.log',
    );
    expect(pullLocalPath('out', 'agx-01', '/etc/nv_tegra_release', '/etc/nv_tegra_release')).toBe(
      'out/agx-01/nv_tegra_release',
    );
    expect(() => pullLocalPath('out', 'agx-01', '/var/log/app', '/var/log/apple')).toThrow(
      /not under \/var\/log\/app/,
    );
    expect(() => pullLocalPath('out', 'agx-01', '/var/log', '/var/log/../../etc/shadow')).toThrow(
      /"\." or "\.\."/,
    );
    expect(() => pullLocalPath('out', '../x', '/a', '/a')).toThrow(/cannot be used as a folder name/);
  });
  it('parses sha256sum and wc -c output; refuses names sha256sum escaped', () => {
    const text = `${S}  /a/x y\n${T} */a/z\n--sizes--\n  12 /a/x y\n 7 /a/z\n 19 total\n`;
    expect(parseRemoteSums(text, 'h')).toEqual([
      { path: '/a/x y', sha256: S, size: 12 },
      { path: '/a/z', sha256: T, size: 7 },
    ]);
    expect(() => parseRemoteSums(`\\${S}  /a/b\\nc\n`, 'h')).toThrow(
      /h: cannot pull a file whose name has a newline/,
    );
  });
});

describe('progress and exit codes', () => {
  it('sums bytes over hosts, with rate and ETA', () => {
    const p = overallProgress(
      [
        { done: 50, total: 100 },
        { done: 25, total: 100 },
      ],
      1000,
    );
    expect(p).toMatchObject({ done: 75, total: 200, fraction: 0.375, rate: 75 });
    expect(p.etaMs).toBeCloseTo((125 / 75) * 1000);
    expect(overallProgress([], 0)).toMatchObject({ fraction: 0, rate: 0, etaMs: undefined });
    expect(overallProgress([{ done: 10, total: 10 }], 1000).etaMs).toBeUndefined();
  });
  it('throttles progress events but never drops the last one', () => {
    expect(shouldReport(1000, 1050, 5, 10)).toBe(false);
    expect(shouldReport(1000, 1100, 5, 10)).toBe(true);
    expect(shouldReport(1000, 1001, 10, 10)).toBe(true);
  });
  it('exit codes: unreachable 3 wins, sha256 mismatch 8, other failures 1, interrupted 130', () => {
    const h = (status: TransferHostReport['status'], failure: TransferHostReport['failure']) =>
      ({ status, failure }) as TransferHostReport;
    expect(transferExitCode({ was_interrupted: false, hosts: [h('success', null)] })).toBe(0);
    expect(
      transferExitCode({ was_interrupted: false, hosts: [h('failed', 'exit'), h('success', null)] }),
    ).toBe(1);
    expect(
      transferExitCode({ was_interrupted: false, hosts: [h('failed', 'integrity'), h('failed', 'exit')] }),
    ).toBe(8);
    expect(
      transferExitCode({ was_interrupted: false, hosts: [h('failed', 'integrity'), h('failed', 'connect')] }),
    ).toBe(3);
    expect(transferExitCode({ was_interrupted: true, hosts: [h('interrupted', 'interrupted')] })).toBe(130);
  });
});
