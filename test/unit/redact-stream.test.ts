import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { clearSecrets, registerSecret } from '../../src/core/redact.js';
import { StreamRedactor } from '../../src/core/redact-stream.js';

function run(chunks: Buffer[]): Buffer {
  const r = new StreamRedactor();
  return Buffer.concat([...chunks.map((c) => r.push(c)), r.end()]);
}

function split(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

afterEach(() => clearSecrets());

describe('StreamRedactor', () => {
  it('passes arbitrary bytes through exactly when they hold no secret', () => {
    const data = randomBytes(200_000);
    for (const size of [1, 7, 4096, 65_536]) expect(run(split(data, size)).equals(data)).toBe(true);
  });

  it('redacts a registered secret split across chunks at every position', () => {
    registerSecret('hunter2-secret');
    const data = Buffer.from(`${'x'.repeat(300)}pw=hunter2-secret;${'y'.repeat(300)}`);
    for (let cut = 290; cut < 320; cut++) {
      const out = run([data.subarray(0, cut), data.subarray(cut)]).toString();
      expect(out).toBe(`${'x'.repeat(300)}pw=[redacted];${'y'.repeat(300)}`);
    }
  });

  it('redacts a non-ASCII secret by its UTF-8 bytes', () => {
    registerSecret('pässwörd');
    const out = run(split(Buffer.from('a pässwörd b'), 3)).toString();
    expect(out).toBe('a [redacted] b');
  });

  it('redacts a swarm join token delivered one byte at a time', () => {
    const token = `SWMTKN-1-${'a1'.repeat(25)}-${'b2'.repeat(12)}`;
    const out = run(split(Buffer.from(`join ${token} done\n`), 1)).toString();
    expect(out).toBe('join [redacted] done\n');
  });
});
