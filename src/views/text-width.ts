/**
 * Terminal width of styled text. The live area moves the cursor up by the number of lines it drew;
 * a line that wraps takes two rows and every redraw after it lands one row off (the repeated
 * blocks of issue 16). So every live line is cut to the terminal's width, counting what the
 * terminal shows: ANSI escapes take no column, East Asian wide characters and emoji take two.
 */

// CSI sequences (colors, cursor movement) and OSC strings. The rule is off in a config comment, not
// a disable directive: the layer check's eslint run lacks the rule and would call a directive unused.
/* eslint no-control-regex: "off" */
const ESCAPE = /\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\))/y;

function charWidth(code: number): number {
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (code >= 0x300 && code <= 0x36f) return 0; // combining marks
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Columns `text` takes on a terminal. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length;) {
    ESCAPE.lastIndex = i;
    const esc = ESCAPE.exec(text);
    if (esc) {
      i += esc[0].length;
      continue;
    }
    const code = text.codePointAt(i)!;
    width += charWidth(code);
    i += code > 0xffff ? 2 : 1;
  }
  return width;
}

/**
 * `text` cut to at most `width` columns, ending in `…` when cut; escapes are kept (a cut line ends
 * with a reset so its color does not run into the next one).
 */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (visibleWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  let styled = false;
  for (let i = 0; i < text.length;) {
    ESCAPE.lastIndex = i;
    const esc = ESCAPE.exec(text);
    if (esc) {
      out += esc[0];
      styled = true;
      i += esc[0].length;
      continue;
    }
    const code = text.codePointAt(i)!;
    const w = charWidth(code);
    if (used + w > width - 1) break;
    out += String.fromCodePoint(code);
    used += w;
    i += code > 0xffff ? 2 : 1;
  }
  return `${out}…${styled ? '\x1b[0m' : ''}`;
}

/** `text` padded with spaces to `width` columns (never cut). */
export function padToWidth(text: string, width: number): string {
  const w = visibleWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}
