/**
 * Splits a byte stream into whole lines. Each host and stream gets its own buffer, and only whole
 * lines leave it, so output from many hosts can be printed as it arrives without two hosts ever
 * sharing one terminal line. A multi-byte UTF-8 character split across two chunks is kept intact.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineBuffer {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    let start = 0;
    let nl = text.indexOf('\n', start);
    while (nl !== -1) {
      this.onLine(stripCr(text.slice(start, nl)));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.partial = text.slice(start);
  }

  /** Emits the unterminated last line, if any (commands often omit the final newline). */
  flush(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest.length > 0) this.onLine(stripCr(rest));
  }
}

// Remote tools running under a pty-less channel still sometimes write CRLF; the CR would move the
// cursor to column 0 and hide the host prefix.
function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Splits a complete text the same way a LineBuffer would (for reports and grouped output). */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  const buffer = new LineBuffer((line) => lines.push(line));
  buffer.push(text);
  buffer.flush();
  return lines;
}
