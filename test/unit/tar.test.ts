import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeHeader, endOfArchive, padding, TarReader, type TarEvent } from '../../src/core/tar.js';

function archive(
  entries: { path: string; type: 'file' | 'directory'; data?: string; mode?: number; mtime?: number }[],
): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    parts.push(
      encodeHeader({
        path: e.path,
        type: e.type,
        mode: e.mode ?? 0o644,
        mtime: e.mtime ?? 1_700_000_000,
        size: data.length,
      }),
    );
    parts.push(data, padding(data.length));
  }
  parts.push(endOfArchive());
  return Buffer.concat(parts);
}

function readAll(
  buf: Buffer,
  chunk = 7,
): { path: string; data: string; mode: number; mtime: number; type: string }[] {
  const reader = new TarReader();
  const events: TarEvent[] = [];
  for (let i = 0; i < buf.length; i += chunk) events.push(...reader.push(buf.subarray(i, i + chunk)));
  const out: { path: string; data: string; mode: number; mtime: number; type: string }[] = [];
  for (const e of events) {
    if (e.type === 'entry')
      out.push({
        path: e.header.path,
        data: '',
        mode: e.header.mode,
        mtime: e.header.mtime,
        type: e.header.type,
      });
    else if (e.type === 'data') out[out.length - 1]!.data += e.chunk.toString();
  }
  expect(events.at(-1)).toEqual({ type: 'end' });
  return out;
}

const long = `${'deep/'.repeat(40)}a file with spaces and a long name ${'x'.repeat(120)}.txt`;

describe('tar codec', () => {
  it('round-trips files, directories, modes, mtimes and names longer than ustar allows, in any chunking', () => {
    const buf = archive([
      { path: 'srv/app', type: 'directory', mode: 0o750 },
      { path: 'srv/app/run.sh', type: 'file', data: '#!/bin/sh\n', mode: 0o755, mtime: 1_600_000_000 },
      { path: long, type: 'file', data: 'x'.repeat(1000) },
      { path: 'srv/empty', type: 'file', data: '' },
    ]);
    for (const chunk of [1, 7, 512, 100_000]) {
      expect(readAll(buf, chunk)).toEqual([
        { path: 'srv/app', type: 'directory', data: '', mode: 0o750, mtime: 1_700_000_000 },
        { path: 'srv/app/run.sh', type: 'file', data: '#!/bin/sh\n', mode: 0o755, mtime: 1_600_000_000 },
        { path: long, type: 'file', data: 'x'.repeat(1000), mode: 0o644, mtime: 1_700_000_000 },
        { path: 'srv/empty', type: 'file', data: '', mode: 0o644, mtime: 1_700_000_000 },
      ]);
    }
  });

  it('writes archives GNU tar extracts with the same names, modes and mtimes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-tar-'));
    const file = join(dir, 'a.tar');
    writeFileSync(
      file,
      archive([
        { path: 'd', type: 'directory', mode: 0o700 },
        { path: 'd/x y', type: 'file', data: 'hello\n', mode: 0o640, mtime: 1_500_000_000 },
        { path: `d/${long}`, type: 'file', data: 'long\n' },
      ]),
    );
    const out = join(dir, 'out');
    mkdirSync(out);
    const r = spawnSync('tar', ['-x', '-p', '-f', file, '-C', out]);
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(readFileSync(join(out, 'd/x y'), 'utf8')).toBe('hello\n');
    expect(statSync(join(out, 'd/x y')).mode & 0o777).toBe(0o640);
    expect(statSync(join(out, 'd/x y')).mtimeMs).toBe(1_500_000_000_000);
    expect(readFileSync(join(out, 'd', long), 'utf8')).toBe('long\n');
  });

  it('reads what GNU tar writes, long names (pax and GNU formats) included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-tar-'));
    mkdirSync(join(dir, 'src', 'deep/'.repeat(40)), { recursive: true });
    writeFileSync(join(dir, 'src', 'deep/'.repeat(40), 'f.txt'), 'deep\n');
    for (const format of ['gnu', 'posix']) {
      const r = spawnSync('tar', ['-c', `--format=${format}`, '-f', '-', '-C', dir, 'src']);
      expect(r.status).toBe(0);
      const files = readAll(r.stdout, 4096).filter((e) => e.type === 'file');
      expect(files).toEqual([
        expect.objectContaining({ path: `src/${'deep/'.repeat(40)}f.txt`, data: 'deep\n' }),
      ]);
    }
  });

  it('refuses a corrupt header instead of guessing', () => {
    const buf = archive([{ path: 'a', type: 'file', data: 'x' }]);
    buf[10] = 0x41;
    expect(() => new TarReader().push(buf)).toThrow(/checksum/);
  });
});
