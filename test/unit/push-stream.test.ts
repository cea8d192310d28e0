/**
 * The stdin of remote/push-receive.sh: the manifest names the files the host hashes while writing
 * (H lines) and gives both archives' exact lengths, which the host hands to `head -c`; a wrong
 * length would cut a file or swallow the next archive, so the lengths are checked against the bytes.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedEntry } from '../../src/core/transfer-plan.js';
import { HASHED_WHILE_WRITING, MANIFEST_END, receiveInput } from '../../src/ops/shared/push-tar-stream.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function entry(dir: string, rel: string, data: Buffer | null): PlannedEntry {
  if (data) writeFileSync(join(dir, rel), data);
  return {
    source: dir,
    rel,
    type: data ? 'file' : 'directory',
    mode: data ? 0o644 : 0o755,
    mtime: 1_600_000_000,
    size: data?.length ?? 0,
    sha256: data ? sha(data) : undefined,
    remote: `/srv/x/${rel || 'root'}`,
  };
}

async function collect(send: PlannedEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of receiveInput(send, 'n0nce', { onBytes: () => undefined }))
    parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('push receive stream', () => {
  it('small files and directories in the first archive, large files (H lines) in the second, lengths exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-push-stream-'));
    const big = randomBytes(HASHED_WHILE_WRITING + 100);
    const send = [
      entry(dir, '', null),
      entry(dir, 'small.txt', Buffer.from('hello\n')),
      entry(dir, 'big.bin', big),
      entry(dir, 'edge.bin', randomBytes(HASHED_WHILE_WRITING - 1)),
    ];
    const all = await collect(send);
    const endAt = all.indexOf(`${MANIFEST_END}\t`);
    const lineEnd = all.indexOf('\n', endAt);
    const manifest = all.subarray(0, endAt).toString('utf8').trim().split('\n');
    const [, len1, len2] = all.subarray(endAt, lineEnd).toString('utf8').split('\t').map(Number);
    expect(manifest.map((l) => l.split('\t')[0]!.replace(/^[0-9a-f]{64}$/, 'SUM'))).toEqual([
      'D',
      'SUM',
      'H',
      'SUM',
    ]);
    expect(manifest[2]).toBe(`H\t${sha(big)}\t/srv/x/.big.bin.fleet-n0nce\t/srv/x/big.bin`);
    const archives = all.subarray(lineEnd + 1);
    expect(archives.length).toBe(len1! + len2!);
    // The second archive starts with the big file's header (its temp name) and holds its bytes.
    const second = archives.subarray(len1!);
    expect(second.subarray(0, 100).toString('utf8')).toContain('srv/x/.big.bin.fleet-n0nce');
    expect(second.subarray(512, 512 + big.length).equals(big)).toBe(true);
    expect(second.length).toBe(512 + big.length + (512 - (big.length % 512)) + 1024);
  });

  it('no second archive when every file is small: its length is 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-push-stream-'));
    const all = await collect([entry(dir, 'a', Buffer.from('a'))]);
    const end = all
      .toString('latin1')
      .split('\n')
      .find((l) => l.startsWith(MANIFEST_END));
    const [, len1, len2] = end!.split('\t').map(Number);
    expect(len2).toBe(0);
    expect(all.length - all.indexOf(end!) - end!.length - 1).toBe(len1);
  });
});

describe('remote/push-receive.sh on this machine (GNU tar, as on the hosts)', () => {
  const script = readFileSync(join(process.cwd(), 'remote/push-receive.sh'), 'utf8');
  const receive = (dest: string, input: Buffer) =>
    spawnSync('sh', ['-c', script, 'fleet-receive', 'n0nce', '0', dest, '', ''], { input });

  it('a large file hashed while written: renamed with mode and mtime when it matches, refused and removed when not', async () => {
    const src = mkdtempSync(join(tmpdir(), 'fleet-push-src-'));
    const dest = mkdtempSync(join(tmpdir(), 'fleet-push-dest-'));
    const big = randomBytes(HASHED_WHILE_WRITING * 2);
    const at = (rel: string, data: Buffer): PlannedEntry => ({
      ...entry(src, rel, data),
      mode: 0o640,
      remote: join(dest, rel),
    });
    const send = [at('small', Buffer.from('hi\n')), at('big', big)];
    const good = await collect(send);
    // The same stream with a manifest that expects other bytes for the large file.
    const bad = Buffer.from(good.toString('latin1').replace(sha(big), '0'.repeat(64)), 'latin1');
    const refused = receive(dest, bad);
    expect(refused.status).toBe(73);
    expect(refused.stdout.toString()).toBe(`fleet-bad ${dest}/.big.fleet-n0nce: FAILED\n`);
    expect(readdirSync(dest)).toEqual([]);
    const ok = receive(dest, good);
    expect(ok.status, ok.stderr.toString()).toBe(0);
    expect(ok.stdout.toString()).toBe('fleet-verified 2\n');
    expect(readdirSync(dest).sort()).toEqual(['big', 'small']);
    expect(sha(readFileSync(join(dest, 'big')))).toBe(sha(big));
    const st = statSync(join(dest, 'big'));
    expect([st.mode & 0o777, Math.floor(st.mtimeMs / 1000)]).toEqual([0o640, 1_600_000_000]);
  });
});
