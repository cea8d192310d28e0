import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../src/core/byte-size.js';

describe('parseByteSize', () => {
  it('reads plain numbers and binary units with or without B/iB', () => {
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('512K')).toBe(512 * 1024);
    expect(parseByteSize('1M')).toBe(1024 * 1024);
    expect(parseByteSize('1MiB')).toBe(1024 * 1024);
    expect(parseByteSize('1.5mb')).toBe(1.5 * 1024 * 1024);
    expect(parseByteSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('0')).toBe(0);
    expect(parseByteSize('100b')).toBe(100);
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'M', '-1', '1T', '1 megabyte', '0x10', '1e9'])
      expect(parseByteSize(bad)).toBeUndefined();
  });
});
