/**
 * The bottom of the terminal as a live area: each draw moves the cursor back up over the lines the
 * previous draw wrote and writes the new frame over them, in one write. Log lines go out in the
 * same write, before the frame: they stay above it as ordinary scrolling text, and the frame is
 * never left behind as a copy. The frame's lines must fit the terminal (live-frame.ts cuts them): a
 * wrapped or scrolled-off line would put the cursor math off by one.
 *
 * Lines are overwritten and cleared one at a time (erase to end of line), never by erasing the
 * screen from the frame's first line: when that line is the screen's top-left corner, erasing to
 * the end of the screen clears the whole screen, and tmux (scroll-on-clear) and several terminal
 * emulators then push the old frame into the scrollback, a copy per redraw.
 */

const CSI = '\x1b[';
const HIDE_CURSOR = `${CSI}?25l`;
const SHOW_CURSOR = `${CSI}?25h`;

export class LiveArea {
  /** Lines of the frame now on the screen, right above the cursor. */
  private drawn = 0;
  private last = '';
  private cursorHidden = false;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Replaces the frame with `frame`; `above` (whole lines) is written first, above it. */
  draw(frame: string[], above: string[] = []): void {
    const text = frame.join('\n');
    if (above.length === 0 && text === this.last) return;
    const lines = [...above, ...frame];
    let out = this.cursorHidden ? '' : HIDE_CURSOR;
    out += this.toTop();
    for (const line of lines) out += `${line}${CSI}K\n`;
    // Rows of a taller old frame still below: the cursor is past at least one line written here,
    // never the top-left corner, so erasing to the end of the screen is no whole-screen clear.
    if (lines.length < this.drawn) out += `${CSI}J`;
    this.out.write(out);
    this.cursorHidden = true;
    this.drawn = frame.length;
    this.last = text;
  }

  /** Takes the frame off the screen (a prompt is about to use it); the next draw starts fresh. */
  erase(): void {
    if (this.drawn > 0 || this.cursorHidden)
      this.out.write(this.toTop() + this.clearRows(this.drawn) + SHOW_CURSOR);
    this.reset();
  }

  /** Leaves the last frame where it is, as ordinary text; the next draw starts below it. */
  release(): void {
    if (this.cursorHidden) this.out.write(SHOW_CURSOR);
    this.reset();
  }

  private reset(): void {
    this.drawn = 0;
    this.last = '';
    this.cursorHidden = false;
  }

  /** To column 1 of the frame's first line. */
  private toTop(): string {
    return this.drawn > 0 ? `\r${CSI}${this.drawn}A` : '';
  }

  /** Clears `n` rows from the cursor's down, leaving the cursor where it was. */
  private clearRows(n: number): string {
    if (n <= 0) return '';
    return `${`${CSI}2K${CSI}B`.repeat(n - 1)}${CSI}2K${n > 1 ? `${CSI}${n - 1}A` : ''}`;
  }
}
