/**
 * Host output shown on a terminal or in a log passes through here: control characters become
 * visible escapes, so a host can neither move the cursor, recolour or clear the screen, ring the
 * bell, nor print `\r` and a fake "spark: ..." over its own prefix. Tabs stay (they are readable and
 * cannot hide anything before them). Exact bytes are in --outdir files and the JSON report.
 */

const NAMED: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\x1b': '\\e',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\v': '\\v',
};

// C0 controls except TAB, DEL, C1 controls (U+009B is a one-character CSI on some terminals), and the
// bidirectional overrides/isolates that reorder what is shown ("Trojan Source"). Matching control
// characters is this file's job, so no-control-regex is off for it (a config comment, not a disable
// directive: the layer check's eslint run, which lacks that rule, would report a directive as unused).
/* eslint no-control-regex: "off" */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const ANY_CONTROL = new RegExp(CONTROL.source);

export function escapeControlChars(text: string): string {
  // Most lines have none: testing first skips building a new string for each of millions of lines.
  if (!ANY_CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => NAMED[c] ?? hex(c));
}

function hex(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}
