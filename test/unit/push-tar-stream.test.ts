/**
 * The local half of `fleet push` without a host: walkSources (adapters/fs/local-tree.ts) keeps small
 * files' bytes and stamps the rest; receiveInput (ops/shared/push-tar-stream.ts) sends kept bytes as
 * hashed and stops the stream when a larger file changed since the walk hashed it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkSources } from '../../src/adapters/fs/local-tree.js';
import { planPush } from '../../src/core/transfer-plan.js';
import { receiveInput } from '../../src/ops/shared/push-tar-stream.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function drain(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function planned(dir: string) {
  const sources = await walkSources([dir], { warn: () => undefined });
  return planPush(sources, '/srv/x/');
}

describe('push tar stream from the local walk', () => {
  it('keeps small files in memory (sent as hashed), stamps large ones and sends their bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-walk-'));
    const small = randomBytes(3000);
    const large = randomBytes(2 * 1024 * 1024 + 5);
    writeFileSync(join(dir, 'small.conf'), small);
    writeFileSync(join(dir, 'large.bin'), large);
    const plan = await planned(dir);
    const bySuffix = (s: string) => plan.entries.find((e) => e.remote.endsWith(s))!;
    expect(bySuffix('small.conf')).toMatchObject({ sha256: sha(small), content: small });
    expect(bySuffix('large.bin').content).toBeUndefined();
    expect(bySuffix('large.bin')).toMatchObject({ sha256: sha(large), stamp: expect.any(String) });
    // A small file changed after the walk is still sent as it was hashed: its sha256 stays true.
    writeFileSync(join(dir, 'small.conf'), 'changed');
    const bytes = await drain(receiveInput(plan.entries, 'n0nce', { onBytes: () => undefined }));
    expect(bytes.includes(small)).toBe(true);
    expect(bytes.includes(large)).toBe(true);
  });

  it('stops the stream when a large file changed since the walk hashed it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-walk-'));
    writeFileSync(join(dir, 'large.bin'), randomBytes(2 * 1024 * 1024));
    const plan = await planned(dir);
    // Same size, other bytes: only the stamp (ctime, mtime) tells.
    writeFileSync(join(dir, 'large.bin'), randomBytes(2 * 1024 * 1024));
    await expect(drain(receiveInput(plan.entries, 'n0nce', { onBytes: () => undefined }))).rejects.toThrow(
      /large\.bin changed while it was being pushed/,
    );
  });
});
