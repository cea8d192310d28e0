/**
 * remote/push-receive.sh run on this machine (GNU tar, coreutils, openssl, as on the hosts) with the
 * stream fleet sends (ops/shared/push-tar-stream.ts): every file is hashed after writing and nothing is
 * renamed unless all match; with openssl (SHA instructions) and with sha256sum when openssl is absent;
 * with GNU tar (1 MiB records) and with busybox's tar, which has no record options.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedEntry } from '../../src/core/transfer-plan.js';
import { manifest, receiveInput } from '../../src/ops/shared/push-tar-stream.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const script = readFileSync(join(process.cwd(), 'remote/push-receive.sh'), 'utf8');

/** A PATH with every command of /usr/bin and /bin except the ones named. */
function pathWithout(...missing: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), `fleet-no-${missing.join('-')}-`));
  for (const from of ['/usr/bin', '/bin']) {
    for (const name of readdirSync(from)) {
      if (missing.includes(name)) continue;
      try {
        symlinkSync(join(from, name), join(dir, name));
      } catch {
        // Already linked from /usr/bin (merged /usr).
      }
    }
  }
  return dir;
}

/** A PATH whose `tar` is busybox's (no -b/-B, no --version), as on minimal images. */
function pathWithBusyboxTar(): string {
  const dir = pathWithout('tar');
  symlinkSync('/usr/bin/busybox', join(dir, 'tar'));
  return dir;
}

async function stream(send: PlannedEntry[]): Promise<Buffer> {
  // Chunked as sendPlan sends it: the manifest and the first tar bytes share a chunk.
  const parts: Buffer[] = [];
  for await (const chunk of receiveInput(send, 'n0nce', { onBytes: () => undefined }))
    parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe.each([
  ['openssl', process.env.PATH ?? '/usr/bin:/bin'],
  ['sha256sum (no openssl)', pathWithout('openssl')],
  ['busybox tar (no 1 MiB records)', pathWithBusyboxTar()],
])('remote/push-receive.sh, hashing with %s', (_name, path) => {
  it('refuses a file whose bytes do not match (exit 73, temp removed), lands matching ones with mode and mtime', async () => {
    const src = mkdtempSync(join(tmpdir(), 'fleet-push-src-'));
    const dest = mkdtempSync(join(tmpdir(), 'fleet-push-dest-'));
    mkdirSync(join(src, 'sub'));
    const files: [string, Buffer][] = [
      ['sub/a file with spaces', Buffer.from('hi\n')],
      ['big', randomBytes(3 * 1024 * 1024)],
    ];
    const send: PlannedEntry[] = files.map(([rel, data]) => {
      writeFileSync(join(src, rel), data);
      return {
        source: src,
        rel,
        type: 'file',
        mode: 0o640,
        mtime: 1_600_000_000,
        size: data.length,
        sha256: sha(data),
        remote: join(dest, rel.replace('sub/', '')),
      };
    });
    const good = await stream(send);
    const receive = (input: Buffer) =>
      spawnSync('sh', ['-c', script, 'fleet-receive', 'n0nce', '0', dest, '', ''], {
        input,
        env: { PATH: path },
      });
    // The same stream with a manifest that expects other bytes for the large file.
    const bad = Buffer.from(good.toString('latin1').replace(sha(files[1]![1]), '0'.repeat(64)), 'latin1');
    const refused = receive(bad);
    expect(refused.status, refused.stderr.toString()).toBe(73);
    expect(refused.stdout.toString()).toBe(`fleet-bad ${dest}/.big.fleet-n0nce: FAILED\n`);
    expect(readdirSync(dest)).toEqual([]);
    const ok = receive(good);
    expect(ok.status, ok.stderr.toString()).toBe(0);
    expect(ok.stdout.toString()).toBe('fleet-verified 2\n');
    expect(readdirSync(dest).sort()).toEqual(['a file with spaces', 'big']);
    for (const [rel, data] of files) {
      const file = join(dest, rel.replace('sub/', ''));
      expect(sha(readFileSync(file))).toBe(sha(data));
      const st = statSync(file);
      expect([st.mode & 0o777, Math.floor(st.mtimeMs / 1000)]).toEqual([0o640, 1_600_000_000]);
    }
  });
});

describe.each([
  ['perl reads the manifest', process.env.PATH ?? '/usr/bin:/bin'],
  ['sh reads the manifest (no perl)', pathWithout('perl')],
])('remote/push-receive.sh with a long manifest: %s', (_name, path) => {
  // 300 files in 3 directories: a manifest well over the 4 KiB where perl takes over from sh's read.
  function tree(): { dest: string; send: PlannedEntry[]; files: Map<string, Buffer> } {
    const src = mkdtempSync(join(tmpdir(), 'fleet-push-many-'));
    const dest = mkdtempSync(join(tmpdir(), 'fleet-push-many-dest-'));
    const files = new Map<string, Buffer>();
    const send: PlannedEntry[] = [];
    for (let d = 0; d < 3; d++) {
      mkdirSync(join(src, `d${d}`));
      send.push({
        source: src,
        rel: `d${d}`,
        type: 'directory',
        mode: 0o750,
        mtime: 1_600_000_000,
        size: 0,
        remote: join(dest, `d${d}`),
      });
      for (let f = 0; f < 100; f++) {
        const rel = `d${d}/file ${f}.conf`;
        const data = randomBytes(100 + f * 7);
        writeFileSync(join(src, rel), data);
        files.set(rel, data);
        // Every other file comes from memory (kept by the walk), the rest is read from disk.
        send.push({
          source: src,
          rel,
          type: 'file',
          mode: 0o644,
          mtime: 1_600_000_000,
          size: data.length,
          sha256: sha(data),
          remote: join(dest, rel),
          ...(f % 2 === 0 ? { content: data } : {}),
        });
      }
    }
    return { dest, send, files };
  }
  const receive = (dest: string, input: Buffer, manifestBytes: number) =>
    spawnSync('sh', ['-c', script, 'fleet-receive', 'n0nce', '0', dest, '', '', String(manifestBytes)], {
      input,
      env: { PATH: path },
    });

  it('lands every file after checking each sha256; a wrong sum lands none; a cut manifest leaves nothing', async () => {
    const { dest, send, files } = tree();
    const list = Buffer.from(manifest(send, 'n0nce'));
    expect(list.length).toBeGreaterThan(4096);
    const good = await stream(send);
    expect(good.subarray(0, list.length).equals(list)).toBe(true);

    const victim = send.find((e) => e.rel === 'd2/file 99.conf')!;
    const bad = Buffer.from(good.toString('latin1').replace(victim.sha256!, '0'.repeat(64)), 'latin1');
    const refused = receive(dest, bad, list.length);
    expect(refused.status, refused.stderr.toString()).toBe(73);
    expect(refused.stdout.toString()).toBe(`fleet-bad ${dest}/d2/.file 99.conf.fleet-n0nce: FAILED\n`);
    const landed = () =>
      readdirSync(dest, { recursive: true }).filter((p) => /\.conf($|\.fleet-)/.test(String(p)));
    expect(landed()).toEqual([]);

    const cut = receive(dest, list.subarray(0, list.length - 100), list.length);
    expect(cut.status).toBe(72);
    expect(cut.stderr.toString()).toContain('the file list was cut short');
    expect(landed()).toEqual([]);

    const ok = receive(dest, good, list.length);
    expect(ok.status, ok.stderr.toString()).toBe(0);
    expect(ok.stdout.toString()).toBe('fleet-verified 300\n');
    for (const [rel, data] of files) expect(readFileSync(join(dest, rel)).equals(data), rel).toBe(true);
    expect(statSync(join(dest, 'd1')).mode & 0o777).toBe(0o750);
    expect(landed()).toHaveLength(300);
    expect(landed().filter((p) => String(p).includes('.fleet-'))).toEqual([]);
  });
});
