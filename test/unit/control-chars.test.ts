import { describe, expect, it } from 'vitest';
import { escapeControlChars } from '../../src/core/control-chars.js';

describe('escapeControlChars', () => {
  it('leaves ordinary text, tabs and non-ASCII letters alone', () => {
    const text = 'GPU\t0: Orin (température ✓) ok \\ done';
    expect(escapeControlChars(text)).toBe(text);
  });

  it('a CR cannot forge another host line: it is shown as \\r', () => {
    expect(escapeControlChars('x\rspark: FAKE all good')).toBe('x\\rspark: FAKE all good');
  });

  it('escapes ESC sequences, BEL, backspace, NUL and DEL so the cursor never moves', () => {
    expect(escapeControlChars('\x1b[2J\x1b]0;title\x07a\bb\x00\x7f')).toBe(
      '\\e[2J\\e]0;title\\aa\\bb\\x00\\x7f',
    );
  });

  it('escapes C1 controls (one-byte CSI) and bidirectional overrides', () => {
    expect(escapeControlChars('\u009b31m red')).toBe('\\x9b31m red');
    expect(escapeControlChars('abc\u202Edef\u2066')).toBe('abc\\u202edef\\u2066');
  });

  it('no control character survives, whatever the input', () => {
    let all = '';
    for (let c = 0; c < 0x2100; c++) all += String.fromCharCode(c);
    const out = escapeControlChars(all);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});
