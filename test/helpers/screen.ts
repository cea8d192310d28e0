/**
 * A minimal terminal for unit tests of the live view: enough of VT100 for what the view writes
 * (printable text with auto-wrap, CR, LF as CR+LF like a tty's onlcr, cursor up, erase to end of
 * screen; colors and cursor visibility are ignored). Lines scrolled off the top go to `history`,
 * so a test sees everything a user could scroll back to.
 */
export class Screen {
  readonly history: string[] = [];
  private grid: string[][];
  private row = 0;
  private col = 0;
  readonly columns: number;
  readonly isTTY = true;

  constructor(
    columns: number,
    readonly rows: number,
  ) {
    this.columns = columns;
    this.grid = Array.from({ length: rows }, () => []);
  }

  /** The WritableStream face the view writes to. */
  write(chunk: string | Uint8Array): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\x1b') {
        // eslint-disable-next-line no-control-regex
        const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(text.slice(i));
        if (!m) continue;
        i += m[0].length - 1;
        const n = Number(m[1]) || 1;
        if (m[2] === 'A') this.row = Math.max(0, this.row - n);
        else if (m[2] === 'B') this.row = Math.min(this.rows - 1, this.row + n);
        else if (m[2] === 'J') {
          // Like tmux (scroll-on-clear) and several emulators: clearing the whole screen from its
          // top-left corner first pushes what it showed into the scrollback.
          if (this.row === 0 && this.col === 0) this.history.push(...this.visible());
          this.grid[this.row]!.length = this.col;
          for (let r = this.row + 1; r < this.rows; r++) this.grid[r] = [];
        } else if (m[2] === 'K') {
          if (m[1] === '2') this.grid[this.row] = [];
          else this.grid[this.row]!.length = this.col;
        }
        continue;
      }
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') this.newline();
      else {
        if (this.col >= this.columns) this.newline();
        this.grid[this.row]![this.col++] = ch;
      }
    }
    return true;
  }

  private newline(): void {
    this.col = 0;
    if (this.row < this.rows - 1) return void this.row++;
    this.history.push(this.grid.shift()!.join(''));
    this.grid.push([]);
  }

  /** The visible screen, trailing blank rows dropped. */
  visible(): string[] {
    const lines = this.grid.map((r) =>
      Array.from(r, (c) => c ?? ' ')
        .join('')
        .trimEnd(),
    );
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  /** History and screen, as a user scrolling back sees them. */
  all(): string[] {
    return [...this.history, ...this.visible()];
  }
}
