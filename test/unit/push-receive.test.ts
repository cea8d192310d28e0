/**
 * remote/push-receive.sh run on this machine (GNU tar, coreutils, openssl, as on the hosts) with the
 * stream fleet sends (ops/shared/push-tar-stream.ts): every file is hashed after writing and nothing is
 * renamed unless all match; with openssl (SHA instructions) and with sha256sum when openssl is absent.
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
import { receiveInput } from '../../src/ops/shared/push-tar-stream.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const script = readFileSync(join(process.cwd(), 'remote/push-receive.sh'), 'utf8');

/** A PATH with every command of /usr/bin and /bin except openssl. */
function pathWithoutOpenssl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-no-openssl-'));
  for (const from of ['/usr/bin', '/bin']) {
    for (const name of readdirSync(from)) {
      if (name === 'openssl') continue;
      try {
        symlinkSync(join(from, name), join(dir, name));
      } catch {
        // Already linked from /usr/bin (merged /usr).
      }
    }
  }
  return dir;
}

async function stream(send: PlannedEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of receiveInput(send, 'n0nce', { onBytes: () => undefined }))
    parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe.each([
  ['openssl', process.env.PATH ?? '/usr/bin:/bin'],
  ['sha256sum (no openssl)', pathWithoutOpenssl()],
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
