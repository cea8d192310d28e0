import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OutputCapture } from '../../src/core/output-capture.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function feed(capture: OutputCapture, data: Buffer, chunk: number): void {
  for (let i = 0; i < data.length; i += chunk) capture.push(data.subarray(i, i + chunk));
}

describe('OutputCapture', () => {
  it('keeps everything up to the limit, byte for byte', () => {
    const data = Buffer.from('a\nb\n'.repeat(250)); // 1000 bytes
    const c = new OutputCapture(1000);
    feed(c, data, 7);
    const r = c.result();
    expect(r).toMatchObject({ text: data.toString(), totalBytes: 1000, keptBytes: 1000, digest: sha(data) });
  });

  it('over the limit keeps the first and last halves around a marker naming the cut', () => {
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => String(i % 10)).join(''));
    const c = new OutputCapture(100);
    feed(c, data, 333);
    const r = c.result();
    expect(r.totalBytes).toBe(10_000);
    expect(r.keptBytes).toBe(100);
    expect(r.digest).toBe(sha(data));
    expect(r.text).toBe(
      data.subarray(0, 50).toString() +
        '\n[fleet: 9900 bytes cut here, 10000 in total]\n' +
        data.subarray(9950).toString(),
    );
  });

  it('never keeps more than the limit plus one chunk while a huge stream passes', () => {
    const c = new OutputCapture(1024);
    const chunk = Buffer.alloc(4096, 0x41);
    for (let i = 0; i < 10_000; i++) c.push(chunk);
    const internal = c as unknown as { head: Buffer[]; tail: Buffer[] };
    const held = [...internal.head, ...internal.tail].reduce((n, b) => n + b.length, 0);
    expect(held).toBeLessThanOrEqual(1024 + 4096);
    expect(c.result()).toMatchObject({ totalBytes: 40_960_000, keptBytes: 1024 });
  });

  it('does not cut a UTF-8 character in half at either edge', () => {
    const data = Buffer.from('é'.repeat(100)); // 200 bytes, 2 per character
    const c = new OutputCapture(21); // head 11 bytes, tail 10: the head edge falls inside an é
    feed(c, data, 5);
    const r = c.result();
    expect(r.text).not.toContain('\ufffd');
    expect(r.text.startsWith('é'.repeat(5) + '\n[fleet:')).toBe(true);
    expect(r.text.endsWith(']\n' + 'é'.repeat(5))).toBe(true);
  });

  it('a limit of 0 keeps nothing but still counts and digests', () => {
    const c = new OutputCapture(0);
    c.push(Buffer.from('hello'));
    expect(c.result()).toMatchObject({ keptBytes: 0, totalBytes: 5, digest: sha(Buffer.from('hello')) });
  });
});
