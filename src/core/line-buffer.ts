/**
 * Splits a byte stream into whole lines. Each host and stream gets its own buffer, and only whole
 * lines leave it, so output from many hosts can be printed as it arrives without two hosts ever
 * sharing one terminal line. A multi-byte UTF-8 character split across two chunks is kept intact.
 *
 * A host can print a line of any length (50 MB without a newline), so the buffer never holds more
 * than `maxLine` characters: a longer line leaves as several segments of at most `maxLine`, each
 * shown with its host prefix. Each chunk is scanned once, so time stays linear in the bytes received.
 */
import { StringDecoder } from 'node:string_decoder';

/** Longest piece of one line printed at once (characters); longer lines are split into segments. */
export const MAX_LINE_CHARS = 64 * 1024;

export class LineBuffer {
  private readonly decoder = new StringDecoder('utf8');
  private pieces: string[] = [];
  private pendingLength = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      this.append(text.slice(start, nl));
      this.onLine(stripCr(this.take()));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.append(start === 0 ? text : text.slice(start));
  }

  /** Emits the unterminated last line, if any (commands often omit the final newline). */
  flush(): void {
    this.append(this.decoder.end());
    if (this.pendingLength > 0) this.onLine(stripCr(this.take()));
  }

  /** Adds text without a newline; whenever the pending line reaches maxLine, a segment leaves. */
  private append(text: string): void {
    let rest = text;
    while (this.pendingLength + rest.length > this.maxLine) {
      let room = this.maxLine - this.pendingLength;
      // Never split a surrogate pair (an emoji) between two segments.
      const code = rest.charCodeAt(room - 1);
      if (room > 1 && code >= 0xd800 && code <= 0xdbff) room--;
      this.pieces.push(rest.slice(0, room));
      this.pendingLength += room;
      this.onLine(this.take());
      rest = rest.slice(room);
    }
    if (rest.length > 0) {
      this.pieces.push(rest);
      this.pendingLength += rest.length;
    }
  }

  private take(): string {
    const line = this.pieces.length === 1 ? (this.pieces[0] as string) : this.pieces.join('');
    this.pieces = [];
    this.pendingLength = 0;
    return line;
  }
}

// Remote tools running under a pty-less channel still sometimes write CRLF; the CR would move the
// cursor to column 0 and hide the host prefix.
function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Splits a complete text the same way a LineBuffer would (for reports and grouped output). */
export function splitLines(text: string, maxLine = MAX_LINE_CHARS): string[] {
  const lines: string[] = [];
  const buffer = new LineBuffer((line) => lines.push(line), maxLine);
  buffer.push(text);
  buffer.flush();
  return lines;
}
