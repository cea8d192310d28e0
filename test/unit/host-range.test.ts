import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import { expandHostPattern, foldHosts, naturalCompare, splitHostList } from '../../src/core/host-range.js';

const agx = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `agx-${String(from + i).padStart(2, '0')}`);

describe('splitHostList', () => {
  it('splits on top-level commas only', () => {
    expect(splitHostList('spark,agx-[01-03,17],pi')).toEqual(['spark', 'agx-[01-03,17]', 'pi']);
  });
  it('drops empty items and trims', () => {
    expect(splitHostList(' a , ,b,')).toEqual(['a', 'b']);
  });
});

describe('expandHostPattern', () => {
  it('expands a..b with the padding of the first operand', () => {
    expect(expandHostPattern('agx-01..15')).toEqual(agx(1, 15));
    expect(expandHostPattern('node8..11')).toEqual(['node8', 'node9', 'node10', 'node11']);
    expect(expandHostPattern('n001..3')).toEqual(['n001', 'n002', 'n003']);
  });
  it('accepts the prefix repeated after ..', () => {
    expect(expandHostPattern('agx-01..agx-03')).toEqual(agx(1, 3));
    expect(expandHostPattern('10.77.2.2..10.77.2.4')).toEqual(['10.77.2.2', '10.77.2.3', '10.77.2.4']);
  });
  it('expands bracket lists and ranges', () => {
    expect(expandHostPattern('agx-[01-03,17]')).toEqual([...agx(1, 3), 'agx-17']);
    expect(expandHostPattern('agx-[01-15,17]')).toHaveLength(16);
  });
  it('expands address ranges', () => {
    expect(expandHostPattern('10.77.2.[2-5]')).toEqual(['10.77.2.2', '10.77.2.3', '10.77.2.4', '10.77.2.5']);
    expect(expandHostPattern('10.77.2.2..4')).toEqual(['10.77.2.2', '10.77.2.3', '10.77.2.4']);
  });
  it('takes the cartesian product of several brackets, and steps', () => {
    expect(expandHostPattern('r[1-2]n[01-02]')).toEqual(['r1n01', 'r1n02', 'r2n01', 'r2n02']);
    expect(expandHostPattern('n[1-9/4]')).toEqual(['n1', 'n5', 'n9']);
  });
  it('keeps suffixes after a bracket', () => {
    expect(expandHostPattern('agx-[01-02].lab')).toEqual(['agx-01.lab', 'agx-02.lab']);
  });
  it('expands comma lists in order without duplicates', () => {
    expect(expandHostPattern('spark,agx-[01-02],agx-01,pi')).toEqual(['spark', 'agx-01', 'agx-02', 'pi']);
  });
  it('leaves non-numeric brackets (IPv6 literals) alone', () => {
    expect(expandHostPattern('[::1]:2222,[fe80::1]')).toEqual(['[::1]:2222', '[fe80::1]']);
  });
  it('passes plain names through', () => {
    expect(expandHostPattern('spark')).toEqual(['spark']);
    expect(expandHostPattern('ws-01.lab.example')).toEqual(['ws-01.lab.example']);
  });
  it.each([
    ['agx-[15-01]', 'runs backwards'],
    ['agx-15..01', 'runs backwards'],
    ['agx-[01-03', 'missing ]'],
    ['agx-01-03]', 'unexpected ]'],
    ['agx-[1,,2]', 'empty item'],
    ['agx-[1-2-3]', 'is not a number or a range'],
    ['agx-01..b07', 'must be a number'],
    ['n[0-999999]', 'more than'],
    ['a[1-1000]b[1-1000]', 'more than'],
  ])('refuses %s', (pattern, why) => {
    let error: unknown;
    try {
      expandHostPattern(pattern);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('usage');
    expect((error as FleetError).message).toContain(`bad host range "${pattern}"`);
    expect((error as FleetError).message).toContain(why);
  });
});

describe('naturalCompare', () => {
  it('orders numbers by value', () => {
    expect(['agx-10', 'agx-2', 'agx-1', 'spark', 'agx-02'].sort(naturalCompare)).toEqual([
      'agx-1',
      'agx-2',
      'agx-02',
      'agx-10',
      'spark',
    ]);
  });
});

describe('foldHosts', () => {
  it('folds a consecutive padded run', () => {
    expect(foldHosts(agx(1, 15))).toBe('agx-[01-15]');
  });
  it('folds gaps into lists', () => {
    expect(foldHosts([...agx(1, 15), 'agx-17'])).toBe('agx-[01-15,17]');
    expect(foldHosts(['agx-01', 'agx-03', 'agx-05'])).toBe('agx-[01,03,05]');
  });
  it('sorts members naturally whatever the input order', () => {
    expect(foldHosts(['agx-10', 'agx-09', 'agx-11', 'agx-01'])).toBe('agx-[01,09-11]');
  });
  it('keeps groups in first-appearance order by default, natural order on request', () => {
    const names = ['spark', ...agx(1, 15)];
    expect(foldHosts(names)).toBe('spark,agx-[01-15]');
    expect(foldHosts(names, { order: 'natural' })).toBe('agx-[01-15],spark');
  });
  it('leaves a single numbered name unbracketed', () => {
    expect(foldHosts(['agx-05'])).toBe('agx-05');
    expect(foldHosts(['spark'])).toBe('spark');
  });
  it('folds addresses on the last number', () => {
    const ips = Array.from({ length: 19 }, (_, i) => `10.77.2.${i + 2}`);
    expect(foldHosts(ips)).toBe('10.77.2.[2-20]');
  });
  it('does not mix paddings in one run', () => {
    expect(foldHosts(['n1', 'n2', 'n03', 'n04'])).toBe('n[1-2,03-04]');
    expect(foldHosts(['n9', 'n10', 'n11'])).toBe('n[9-11]');
    expect(foldHosts(['n09', 'n10'])).toBe('n[09-10]');
  });
  it('keeps different suffixes and prefixes apart', () => {
    expect(foldHosts(['a1.lab', 'a2.lab', 'a3', 'b1'])).toBe('a[1-2].lab,a3,b1');
  });
  it('folds the last number of multi-number names', () => {
    expect(foldHosts(['r1n01', 'r1n02', 'r2n01'])).toBe('r1n[01-02],r2n01');
  });
  it('drops duplicates and handles an empty set', () => {
    expect(foldHosts(['agx-01', 'agx-01', 'agx-02'])).toBe('agx-[01-02]');
    expect(foldHosts([])).toBe('');
  });
  it.each([
    [['spark', ...agx(1, 15)]],
    [[...agx(1, 15), 'agx-17', 'pi-01', '10.77.2.5', '10.77.2.6']],
    [['n1', 'n2', 'n03', 'n10', 'x', 'y7.lab', 'y8.lab']],
  ])('round-trips through expandHostPattern (%#)', (names) => {
    const folded = foldHosts(names);
    expect(new Set(expandHostPattern(folded))).toEqual(new Set(names));
  });
});
