import { describe, expect, it } from 'vitest';
import { LineBuffer, splitLines } from '../../src/core/line-buffer.js';

function collect() {
  const lines: string[] = [];
  const buffer = new LineBuffer((line) => lines.push(line));
  return { lines, buffer };
}

describe('LineBuffer', () => {
  it('emits only whole lines and keeps the partial tail until it completes', () => {
    const { lines, buffer } = collect();
    buffer.push(Buffer.from('agx-01 up\nhalf'));
    expect(lines).toEqual(['agx-01 up']);
    buffer.push(Buffer.from(' a line\n'));
    expect(lines).toEqual(['agx-01 up', 'half a line']);
  });

  it('flushes an unterminated last line once, and nothing when empty', () => {
    const { lines, buffer } = collect();
    buffer.push('no newline at end');
    buffer.flush();
    buffer.flush();
    expect(lines).toEqual(['no newline at end']);
  });

  it('keeps empty lines and strips CR of CRLF', () => {
    const { lines, buffer } = collect();
    buffer.push('a\r\n\r\nb\n');
    expect(lines).toEqual(['a', '', 'b']);
  });

  it('does not break a UTF-8 character split across chunks', () => {
    const { lines, buffer } = collect();
    const bytes = Buffer.from('température ✓\n');
    const cut = bytes.indexOf(0xe2) + 1; // inside the 3-byte check mark
    buffer.push(bytes.subarray(0, cut));
    buffer.push(bytes.subarray(cut));
    expect(lines).toEqual(['température ✓']);
  });

  it('two hosts writing interleaved chunks still yield intact lines per host', () => {
    const out: string[] = [];
    const a = new LineBuffer((l) => out.push(`a: ${l}`));
    const b = new LineBuffer((l) => out.push(`b: ${l}`));
    a.push('hello ');
    b.push('bonjour ');
    a.push('world\n');
    b.push('le monde\n');
    expect(out).toEqual(['a: hello world', 'b: bonjour le monde']);
  });

  it('splitLines matches streaming behaviour', () => {
    expect(splitLines('x\ny')).toEqual(['x', 'y']);
    expect(splitLines('x\n')).toEqual(['x']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('LineBuffer on hostile output', () => {
  it('splits a line longer than maxLine into segments, holding at most maxLine characters', () => {
    const lines: string[] = [];
    const buffer = new LineBuffer((l) => lines.push(l), 10);
    buffer.push('a'.repeat(25));
    expect(lines).toEqual(['a'.repeat(10), 'a'.repeat(10)]);
    buffer.push('bb\nshort\n');
    expect(lines).toEqual(['a'.repeat(10), 'a'.repeat(10), 'aaaaabb', 'short']);
  });

  it('a 5 MB line without newline, in small chunks, comes out whole across segments', () => {
    const lines: string[] = [];
    const buffer = new LineBuffer((l) => lines.push(l));
    const chunk = Buffer.alloc(32 * 1024, 0x78);
    for (let i = 0; i < 160; i++) buffer.push(chunk);
    buffer.flush();
    expect(lines.every((l) => l.length <= 64 * 1024)).toBe(true);
    expect(lines.join('').length).toBe(160 * 32 * 1024);
    expect(lines).toHaveLength(80);
  });

  it('never splits a surrogate pair between segments', () => {
    const lines: string[] = [];
    const buffer = new LineBuffer((l) => lines.push(l), 5);
    buffer.push('abcd😀efgh\n');
    expect(lines).toEqual(['abcd', '😀efg', 'h']);
  });
});
