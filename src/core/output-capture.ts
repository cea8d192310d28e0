/**
 * What fleet keeps of one host's stream (stdout or stderr) for the report and `--group`: at most
 * `limit` bytes, the first half and the last half (the start says what ran, the end how it
 * ended), plus the total byte count and a digest of everything, so a host printing gigabytes costs
 * a fixed amount of memory and `--group` still only folds outputs that were identical in full.
 */
import { createHash, type Hash } from 'node:crypto';

/** Default per-host, per-stream limit (`--max-output`, FLEET_MAX_OUTPUT). */
export const DEFAULT_MAX_OUTPUT = 1024 * 1024;

export interface CapturedOutput {
  /** The kept bytes as text; when cut, head and tail joined by a marker line naming the cut. */
  text: string;
  totalBytes: number;
  keptBytes: number;
  /** sha256 of every byte received (hex). */
  digest: string;
}

export class OutputCapture {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly headLimit: number;
  private readonly tailLimit: number;

  constructor(limit = DEFAULT_MAX_OUTPUT) {
    this.tailLimit = Math.floor(Math.max(0, limit) / 2);
    this.headLimit = Math.max(0, limit) - this.tailLimit;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.hash.update(chunk);
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = Math.min(rest.length, this.headLimit - this.headBytes);
      // Copied: ssh2 chunks may be views of a larger buffer that must not be kept alive.
      this.head.push(Buffer.from(rest.subarray(0, take)));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.tailLimit === 0) return;
    this.tail.push(Buffer.from(rest.subarray(Math.max(0, rest.length - this.tailLimit))));
    this.tailBytes += Math.min(rest.length, this.tailLimit);
    // Drop whole chunks from the front while the rest still covers the tail (amortised linear).
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0] as Buffer).length >= this.tailLimit) {
      this.tailBytes -= (this.tail.shift() as Buffer).length;
    }
  }

  get totalBytes(): number {
    return this.total;
  }

  result(): CapturedOutput {
    const digest = this.hash.copy().digest('hex');
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.tailLimit) tail = tail.subarray(tail.length - this.tailLimit);
    const kept = head.length + tail.length;
    if (kept === this.total) {
      return {
        text: Buffer.concat([head, tail]).toString('utf8'),
        totalBytes: this.total,
        keptBytes: kept,
        digest,
      };
    }
    const headText = head.subarray(0, utf8Start(head, head.length)).toString('utf8');
    const tailText = tail.subarray(utf8Start(tail, 0)).toString('utf8');
    const marker = `\n[fleet: ${this.total - kept} bytes cut here, ${this.total} in total]\n`;
    return { text: headText + marker + tailText, totalBytes: this.total, keptBytes: kept, digest };
  }
}

/**
 * The first character boundary at or after `at` (for a tail) or, scanning back from `at` = length,
 * the boundary that keeps the head free of a half character. UTF-8 continuation bytes are 10xxxxxx.
 */
function utf8Start(buf: Buffer, at: number): number {
  if (at >= buf.length) {
    // Head: drop a trailing incomplete character (at most 3 bytes back).
    for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
      const b = buf[i] as number;
      if ((b & 0xc0) === 0x80) continue;
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return i + need <= buf.length ? buf.length : i;
    }
    return buf.length;
  }
  let i = at;
  while (i < buf.length && i < at + 4 && ((buf[i] as number) & 0xc0) === 0x80) i++;
  return i;
}
