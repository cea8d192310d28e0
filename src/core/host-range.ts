/**
 * Host range expansion and folding, ClusterShell style, so `-n` accepts what pdsh/clush users type and
 * every host set fleet prints is short: `agx-[01-15]` instead of fifteen names.
 *
 * Accepted forms (comma lists at the top level; commas inside brackets belong to the bracket):
 *   agx-01..15  agx-01..agx-15   zero padding follows the first operand
 *   agx-[01-15,17]  r[1-2]n[01-04]  node[1-9/2]   brackets: lists, ranges, steps; several = cartesian product
 *   10.77.2.[2-20]  10.77.2.2..20                 addresses fold like names
 * A bracket whose content is not numeric (`[::1]`) stays literal, so IPv6 literals pass through.
 */
import { FleetError } from './errors.js';

/** Guards against `-n x[1-99999999]` eating the machine's memory. */
export const MAX_HOSTS_PER_PATTERN = 100_000;

const RANGE_CONTENT = /^[\d\s,/-]+$/;

function rangeError(pattern: string, why: string): FleetError {
  return new FleetError('usage', `bad host range "${pattern}": ${why}`, {
    hint: 'use forms like agx-01..15, agx-[01-15,17] or 10.77.2.[2-20]',
  });
}

/** Splits on commas that are not inside brackets. Empty items (`a,,b`, trailing comma) are dropped. */
export function splitHostList(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of list) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  items.push(current);
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Expands the content of one bracket (`01-15,17`, `1-9/2`) into formatted numbers. */
function expandBracket(content: string, pattern: string): string[] {
  const out: string[] = [];
  for (const raw of content.split(',')) {
    const part = raw.trim();
    if (part === '') throw rangeError(pattern, 'empty item inside [ ]');
    const m = /^(\d+)(?:-(\d+)(?:\/(\d+))?)?$/.exec(part);
    if (!m) throw rangeError(pattern, `"${part}" is not a number or a range like 01-15`);
    const [, lowText = '', highText, stepText] = m;
    const low = Number(lowText);
    const high = highText === undefined ? low : Number(highText);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (high < low) throw rangeError(pattern, `${lowText}-${highText} runs backwards`);
    if (step < 1) throw rangeError(pattern, 'the step must be at least 1');
    if ((high - low) / step + out.length >= MAX_HOSTS_PER_PATTERN) {
      throw rangeError(pattern, `more than ${MAX_HOSTS_PER_PATTERN} hosts`);
    }
    for (let v = low; v <= high; v += step) out.push(pad(v, lowText.length));
  }
  return out;
}

type Segment = { literal: string } | { choices: string[] };

function parseBrackets(item: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  let literal = '';
  while (i < item.length) {
    const ch = item[i] as string;
    if (ch === '[') {
      const close = item.indexOf(']', i + 1);
      const content = close < 0 ? item.slice(i + 1) : item.slice(i + 1, close);
      if (RANGE_CONTENT.test(content)) {
        if (close < 0) throw rangeError(item, 'missing ]');
        if (literal) segments.push({ literal });
        literal = '';
        segments.push({ choices: expandBracket(content, item) });
        i = close + 1;
        continue;
      }
      if (close < 0) throw rangeError(item, 'missing ]');
      literal += item.slice(i, close + 1);
      i = close + 1;
      continue;
    }
    if (ch === ']') throw rangeError(item, 'unexpected ]');
    literal += ch;
    i++;
  }
  if (literal) segments.push({ literal });
  return segments;
}

function expandDots(item: string): string[] | undefined {
  const m = /^(.*?)(\d+)\.\.(.+)$/.exec(item);
  if (!m) return undefined;
  const [, prefix = '', lowText = '', right = ''] = m;
  let highText: string;
  if (/^\d+$/.test(right)) highText = right;
  else if (right.startsWith(prefix) && /^\d+$/.test(right.slice(prefix.length))) {
    highText = right.slice(prefix.length);
  } else {
    throw rangeError(item, `the end "${right}" must be a number or "${prefix}<number>"`);
  }
  const low = Number(lowText);
  const high = Number(highText);
  if (high < low) throw rangeError(item, `${lowText}..${highText} runs backwards`);
  if (high - low >= MAX_HOSTS_PER_PATTERN) throw rangeError(item, `more than ${MAX_HOSTS_PER_PATTERN} hosts`);
  const out: string[] = [];
  for (let v = low; v <= high; v++) out.push(prefix + pad(v, lowText.length));
  return out;
}

function expandItem(item: string): string[] {
  if (!item.includes('[') && !item.includes(']')) {
    return expandDots(item) ?? [item];
  }
  let names = [''];
  for (const segment of parseBrackets(item)) {
    if ('literal' in segment) {
      names = names.map((n) => n + segment.literal);
    } else {
      if (names.length * segment.choices.length > MAX_HOSTS_PER_PATTERN) {
        throw rangeError(item, `more than ${MAX_HOSTS_PER_PATTERN} hosts`);
      }
      names = names.flatMap((n) => segment.choices.map((c) => n + c));
    }
  }
  return names;
}

/**
 * Expands a host pattern or comma list of patterns into names, in the order written, without
 * duplicates. Throws FleetError('usage') for malformed ranges.
 */
export function expandHostPattern(pattern: string): string[] {
  const seen = new Set<string>();
  for (const item of splitHostList(pattern)) {
    for (const name of expandItem(item)) seen.add(name);
  }
  return [...seen];
}

/** Natural order: `agx-2` < `agx-10`; numbers compare by value, then less padding first. */
export function naturalCompare(a: string, b: string): number {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i] as string;
    const y = cb[i] as string;
    if (x === y) continue;
    const xNum = /^\d/.test(x);
    const yNum = /^\d/.test(y);
    if (xNum && yNum) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return diff < 0 ? -1 : 1;
      return x.length - y.length || (x < y ? -1 : 1);
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length || (a < b ? -1 : a > b ? 1 : 0);
}

interface Numbered {
  text: string;
  value: number;
}

function foldNumbers(items: Numbered[]): string[] {
  const sorted = [...items].sort((a, b) => a.value - b.value || a.text.length - b.text.length);
  const runs: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as Numbered;
    let last = first;
    let j = i + 1;
    // A run continues while the next number is consecutive and formats with the first one's padding.
    while (j < sorted.length) {
      const next = sorted[j] as Numbered;
      if (next.value !== last.value + 1 || pad(next.value, first.text.length) !== next.text) break;
      last = next;
      j++;
    }
    runs.push(first === last ? first.text : `${first.text}-${last.text}`);
    i = j;
  }
  return runs;
}

export interface FoldOptions {
  /**
   * Order of the folded groups: 'input' (default) keeps the order in which each group first appears,
   * so a set given in inventory order prints as `spark,agx-[01-15]`; 'natural' sorts groups too.
   */
  order?: 'input' | 'natural';
}

/**
 * Folds names into the shortest ClusterShell-style form: `agx-[01-15,17]`, `spark,agx-[01-15]`,
 * `10.77.2.[2-20]`. Numbers vary in the last digit run of each name; members of a group are always in
 * natural order. `expandHostPattern(foldHosts(x))` gives back the same set.
 */
export function foldHosts(names: Iterable<string>, options: FoldOptions = {}): string {
  const groups = new Map<string, { prefix: string; suffix: string; numbers: Numbered[] }>();
  const literals = new Map<string, string>();
  const order: string[] = [];
  for (const name of new Set(names)) {
    const m = name.includes('[') || name.includes(',') ? null : /^(.*?)(\d+)(\D*)$/.exec(name);
    if (!m) {
      const key = `lit\0${name}`;
      if (!literals.has(key)) order.push(key);
      literals.set(key, name);
      continue;
    }
    const [, prefix = '', digits = '', suffix = ''] = m;
    const key = `num\0${prefix}\0${suffix}`;
    let group = groups.get(key);
    if (!group) {
      group = { prefix, suffix, numbers: [] };
      groups.set(key, group);
      order.push(key);
    }
    group.numbers.push({ text: digits, value: Number(digits) });
  }
  const parts = order.map((key) => {
    const literal = literals.get(key);
    if (literal !== undefined) return { sortKey: literal, text: literal };
    const group = groups.get(key) as NonNullable<ReturnType<typeof groups.get>>;
    const runs = foldNumbers(group.numbers);
    const body = runs.length === 1 && !runs[0]?.includes('-') ? runs[0] : `[${runs.join(',')}]`;
    const smallest = runs[0]?.split('-')[0] ?? '';
    return { sortKey: group.prefix + smallest + group.suffix, text: `${group.prefix}${body}${group.suffix}` };
  });
  if (options.order === 'natural') parts.sort((a, b) => naturalCompare(a.sortKey, b.sortKey));
  return parts.map((p) => p.text).join(',');
}
