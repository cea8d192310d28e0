/**
 * The bottom of the terminal as a live area: each draw moves the cursor back up over the lines the
 * previous draw wrote, erases to the end of the screen and writes the new frame, in one write.
 * Log lines go out in the same write, before the frame: they stay above it as ordinary scrolling
 * text, and the frame is never left behind as a copy. The frame's lines must fit the terminal
 * (live-frame.ts cuts them): a wrapped or scrolled-off line would put the cursor math off by one.
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
    const text = frame.map((line) => line + '\n').join('');
    if (above.length === 0 && text === this.last) return;
    const log = above.map((line) => line + '\n').join('');
    this.out.write(`${this.cursorHidden ? '' : HIDE_CURSOR}${this.eraseCodes()}${log}${text}`);
    this.cursorHidden = true;
    this.drawn = frame.length;
    this.last = text;
  }

  /** Takes the frame off the screen (a prompt is about to use it); the next draw starts fresh. */
  erase(): void {
    if (this.drawn > 0 || this.cursorHidden) this.out.write(this.eraseCodes() + SHOW_CURSOR);
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

  /** To column 1 of the frame's first line, then erase to the end of the screen. */
  private eraseCodes(): string {
    return this.drawn > 0 ? `\r${CSI}${this.drawn}A${CSI}J` : '';
  }
}
