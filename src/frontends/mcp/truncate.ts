/**
 * What an agent sees of one host's output: at most `limit` bytes, the first and the last half (the
 * start says what ran, the end how it ended), cut on UTF-8 character boundaries, with the sizes so
 * the tool result can say that it was cut and where the rest is. Pure.
 */

/** Bytes of each host's stdout, and of its stderr, returned to the agent (the rest is in the report folder). */
export const AGENT_OUTPUT_LIMIT = 8 * 1024;

export interface CutText {
  text: string;
  truncated: boolean;
  /** Bytes the host printed (the report's total when the report itself kept only part). */
  totalBytes: number;
  shownBytes: number;
}

/** 0b10xxxxxx bytes continue a character. */
const continues = (buf: Buffer, i: number): boolean =>
  i > 0 && i < buf.length && ((buf[i] as number) & 0xc0) === 0x80;

/** Moves `at` back (head end) or forward (tail start) to a character boundary, so nothing exceeds the limit. */
function boundary(buf: Buffer, at: number, step: -1 | 1): number {
  let i = Math.max(0, Math.min(at, buf.length));
  while (continues(buf, i)) i += step;
  return i;
}

/**
 * Cuts `text` to `limit` bytes. `totalBytes` is the size of the full output when `text` is already
 * a part of it (the exec report keeps only --max-output bytes); default: the size of `text`.
 */
export function cutForAgent(text: string, limit = AGENT_OUTPUT_LIMIT, totalBytes?: number): CutText {
  const buf = Buffer.from(text, 'utf8');
  const total = Math.max(totalBytes ?? buf.length, buf.length);
  if (buf.length <= limit) {
    return { text, truncated: total > buf.length, totalBytes: total, shownBytes: buf.length };
  }
  const headEnd = boundary(buf, Math.floor(limit / 2), -1);
  const tailStart = boundary(buf, buf.length - (limit - headEnd), 1);
  const head = buf.subarray(0, headEnd).toString('utf8');
  const tail = buf.subarray(tailStart).toString('utf8');
  const cut = total - headEnd - (buf.length - tailStart);
  return {
    text: `${head}\n[… ${cut} bytes cut …]\n${tail}`,
    truncated: true,
    totalBytes: total,
    shownBytes: headEnd + (buf.length - tailStart),
  };
}
