/**
 * Writes onto paths that are not regular files (issue 8 point 17): a character device made here with
 * mknod (1,3 = /dev/null) stays a device, a FIFO gets the data in place (or a clear refusal when
 * nobody reads it), a directory or socket is refused, a regular file is still replaced atomically.
 * Also: report file names stay unique within one second.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { appendFileSafely, pathKind, writeFileSafely } from '../../src/adapters/fs/safe-write.js';
import { LocalStore } from '../../src/adapters/s3/local-store.js';
import { Outdir } from '../../src/ops/exec/outdir.js';
import { defaultReportPath, writeReport } from '../../src/adapters/report-files.js';
import { rejectedFleetError } from '../helpers/fleet-error.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-safe-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nullDevice(name: string): string {
  const path = join(dir, name);
  execFileSync('mknod', [path, 'c', '1', '3']);
  return path;
}

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

describe('writeFileSafely', () => {
  it('writes into a character device in place: it stays a device (the --report /dev/null case)', async () => {
    const dev = nullDevice('null');
    await writeReport(dev, { secret: 'none', hosts: [] });
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    expect(await pathKind(dev)).toBe('char-device');
  });

  it('follows a symlink to a device and leaves both in place', async () => {
    const dev = nullDevice('null2');
    const link = join(dir, 'link-to-null');
    symlinkSync(dev, link);
    await writeFileSafely(link, 'x');
    expect(statSync(dev).isCharacterDevice()).toBe(true);
  });

  it('writes into a FIFO that has a reader, in place', async () => {
    const path = fifo('pipe');
    const reader = spawn('cat', [path]);
    let got = '';
    reader.stdout.on('data', (b: Buffer) => (got += b.toString()));
    const ended = new Promise((r) => reader.on('close', r));
    // The reader opens the FIFO asynchronously: retry until it is there (a refusal says "no reader").
    for (let i = 0; ; i++) {
      try {
        await writeFileSafely(path, 'through the pipe\n');
        break;
      } catch (err) {
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    await ended;
    expect(got).toBe('through the pipe\n');
    expect(statSync(path).isFIFO()).toBe(true);
  });

  it('refuses a FIFO nobody reads instead of hanging, and leaves it a FIFO', async () => {
    const path = fifo('lonely');
    const err = await rejectedFleetError(writeFileSafely(path, 'x', { what: 'report' }), 'usage');
    expect(err.message).toBe(
      `report ${path} is a FIFO and has no reader; start the reader first, or pick a regular file`,
    );
    expect(statSync(path).isFIFO()).toBe(true);
  });

  it('refuses a directory and a socket, naming what they are', async () => {
    const err = await rejectedFleetError(writeFileSafely(dir, 'x', { what: 'report' }), 'usage');
    expect(err.message).toContain('is a directory');
    const sock = join(dir, 'sock');
    const server = createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      const e2 = await rejectedFleetError(writeFileSafely(sock, 'x'), 'usage');
      expect(e2.message).toContain('is a socket');
    } finally {
      server.close();
    }
  });

  it('still replaces a regular file atomically, with the mode asked for', async () => {
    const path = join(dir, 'report.json');
    writeFileSync(path, 'old');
    await writeFileSafely(path, 'new', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('new');
    await writeFileSafely(join(dir, 'fresh.json'), 'new', { mode: 0o600 });
    expect(statSync(join(dir, 'fresh.json')).mode & 0o777).toBe(0o600);
  });

  it('never creates a file under /dev', async () => {
    const err = await rejectedFleetError(writeFileSafely('/dev/fleet-test-does-not-exist', 'x'), 'usage');
    expect(err.message).toContain('is not created under /dev or /proc');
  });
});

describe('appendFileSafely (known_hosts)', () => {
  it('appends to a device in place and to a regular file as before', async () => {
    const dev = nullDevice('kh-null');
    await appendFileSafely(dev, 'line\n');
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    const file = join(dir, 'known_hosts');
    await appendFileSafely(file, 'a\n', { mode: 0o600 });
    await appendFileSafely(file, 'b\n', { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('a\nb\n');
  });

  it('refuses a FIFO without a reader with the error code given', async () => {
    const path = fifo('kh-fifo');
    await rejectedFleetError(
      appendFileSafely(path, 'x\n', { what: 'known_hosts file', code: 'hostkey' }),
      'hostkey',
    );
  });
});

describe('--outdir files', () => {
  it('a device named like a host file stays a device', async () => {
    const out = join(dir, 'outdir');
    execFileSync('mkdir', [out]);
    execFileSync('mknod', [join(out, 'spark.out'), 'c', '1', '3']);
    const outdir = new Outdir(out);
    outdir.prepare();
    const stdout = outdir.open('spark', 'out');
    const stderr = outdir.open('spark', 'err');
    stdout.write(Buffer.from('hello'));
    stdout.close();
    stderr.close();
    outdir.check();
    expect(statSync(join(out, 'spark.out')).isCharacterDevice()).toBe(true);
    expect(readFileSync(join(out, 'spark.err'), 'utf8')).toBe('');
  });
});

describe('--outdir refusals', () => {
  it('refuses a FIFO in --outdir instead of blocking on it, and leaves it a FIFO', () => {
    const out = join(dir, 'outdir-fifo');
    execFileSync('mkdir', [out]);
    execFileSync('mkfifo', [join(out, 'spark.out')]);
    const outdir = new Outdir(out);
    outdir.prepare();
    outdir.open('spark', 'out').close();
    expect(() => outdir.check()).toThrow(/is a FIFO, not a file/);
    expect(statSync(join(out, 'spark.out')).isFIFO()).toBe(true);
  });
});

describe('local backup folder', () => {
  it('refuses to store a backup object into a device or FIFO (storage error), leaving it as it was', async () => {
    const root = join(dir, 'backups');
    execFileSync('mkdir', ['-p', join(root, 'id1', 'spark')]);
    execFileSync('mknod', [join(root, 'id1', 'spark', 'swarm.tar'), 'c', '1', '3']);
    execFileSync('mkfifo', [join(root, 'id1', 'manifest.json')]);
    const store = new LocalStore(root);
    const e1 = await rejectedFleetError(store.put('id1/spark/swarm.tar', Readable.from(['data'])), 'storage');
    expect(e1.message).toContain('is a character device and needs a regular file');
    await rejectedFleetError(store.putBytes('id1/manifest.json', '{}'), 'storage');
    expect(statSync(join(root, 'id1', 'spark', 'swarm.tar')).isCharacterDevice()).toBe(true);
    expect(statSync(join(root, 'id1', 'manifest.json')).isFIFO()).toBe(true);
  });
});

describe('report file names', () => {
  it('differ for two runs started in the same millisecond, and still sort by time', () => {
    const at = new Date('2026-11-30T04:20:11.123Z');
    const a = defaultReportPath('up', at);
    const b = defaultReportPath('up', at);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^reports\/up-2026-11-30T04-20-11\.123Z-\d+-[0-9a-f]{4}\.json$/);
    const later = defaultReportPath('up', new Date('2026-11-30T04:20:11.124Z'));
    expect([later, a].sort()[1]).toBe(later);
  });
});
