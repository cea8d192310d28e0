/**
 * The line format of remote/facts.sh: `key=value` per line, `\\` and `\n` escapes in values, framed by
 * `facts.version=1` … `facts.end=1`. Kept separate from the typed model so the format rules are in one
 * small place.
 */
import { FleetError } from './errors.js';

export const FACTS_FORMAT_VERSION = '1';

const KEY = /^[a-z0-9][a-z0-9_.-]*$/;

/** One parsed key with the 1-based line it came from, for error messages. */
export interface FactLine {
  value: string;
  line: number;
}

export interface ParseContext {
  /** Host id for error messages. */
  host?: string;
}

export function factsError(message: string, ctx: ParseContext, hint?: string): FleetError {
  return new FleetError('remote-exit', `facts: ${message}`, {
    host: ctx.host,
    hint: hint ?? 'run `sh -s < remote/facts.sh` on the host to see its raw output',
  });
}

function unescape(raw: string, lineNo: number, ctx: ParseContext): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = raw[i + 1];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else {
      throw factsError(
        `line ${lineNo}: unknown escape "\\${next ?? ''}" (only \\\\ and \\n are written by facts.sh)`,
        ctx,
      );
    }
    i++;
  }
  return out;
}

/**
 * Splits the script's output into keys. Anything before the `facts.version=` line is ignored: login
 * shells may print banners (a chatty ~/.bashrc) ahead of the script. After it the format is strict.
 */
export function parseFactLines(text: string, ctx: ParseContext = {}): Map<string, FactLine> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.replace(/\r$/, '').startsWith('facts.version='));
  if (start < 0) {
    const shown = text.trim().split('\n')[0]?.slice(0, 120) ?? '';
    throw factsError(
      text.trim() === ''
        ? 'the probe printed nothing'
        : `no "facts.version=" line in the probe output (first line: "${shown}")`,
      ctx,
    );
  }
  const keys = new Map<string, FactLine>();
  let ended = false;
  for (let i = start; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw factsError(`line ${lineNo}: expected key=value, got "${line.slice(0, 120)}"`, ctx);
    const key = line.slice(0, eq);
    if (!KEY.test(key)) throw factsError(`line ${lineNo}: invalid key "${key.slice(0, 60)}"`, ctx);
    if (keys.has(key)) {
      throw factsError(`line ${lineNo}: key "${key}" repeats line ${keys.get(key)?.line ?? '?'}`, ctx);
    }
    keys.set(key, { value: unescape(line.slice(eq + 1), lineNo, ctx), line: lineNo });
    if (key === 'facts.end') {
      ended = true;
      // Whatever follows (a logout banner) is not ours.
      break;
    }
  }
  const version = keys.get('facts.version');
  if (version?.value !== FACTS_FORMAT_VERSION) {
    throw factsError(
      `line ${version?.line ?? start + 1}: facts format version "${version?.value ?? ''}" is not ${FACTS_FORMAT_VERSION}`,
      ctx,
      'this fleet and the facts.sh it sent disagree: rebuild fleet',
    );
  }
  if (!ended) {
    throw factsError(
      `output ends at line ${lines.length} without "facts.end=1" (truncated: the probe was killed or timed out)`,
      ctx,
    );
  }
  return keys;
}

/** Typed accessors that name the offending line when a value has the wrong shape. */
export class FactReader {
  constructor(
    private readonly keys: Map<string, FactLine>,
    private readonly ctx: ParseContext,
  ) {}

  str(key: string): string | undefined {
    return this.keys.get(key)?.value;
  }

  required(key: string): string {
    const v = this.keys.get(key)?.value;
    if (v === undefined || v === '') throw factsError(`missing "${key}=" line`, this.ctx);
    return v;
  }

  /** A non-negative integer, or undefined when the key is absent. */
  int(key: string): number | undefined {
    const entry = this.keys.get(key);
    if (!entry) return undefined;
    if (!/^\d+$/.test(entry.value) || !Number.isSafeInteger(Number(entry.value))) {
      throw factsError(`line ${entry.line}: ${key}="${entry.value}" is not a whole number`, this.ctx);
    }
    return Number(entry.value);
  }

  /** A decimal number (may be negative), or undefined. */
  num(key: string): number | undefined {
    const entry = this.keys.get(key);
    if (!entry) return undefined;
    if (!/^[-+]?\d+(\.\d+)?$/.test(entry.value)) {
      throw factsError(`line ${entry.line}: ${key}="${entry.value}" is not a number`, this.ctx);
    }
    return Number(entry.value);
  }

  bool(key: string): boolean | undefined {
    const entry = this.keys.get(key);
    if (!entry) return undefined;
    if (/^(true|yes)$/i.test(entry.value)) return true;
    if (/^(false|no)$/i.test(entry.value)) return false;
    throw factsError(`line ${entry.line}: ${key}="${entry.value}" is not yes/no`, this.ctx);
  }

  /** A value from a closed set; otherwise an error naming the line and the allowed values. */
  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const entry = this.keys.get(key);
    if (!entry) return undefined;
    if (!(allowed as readonly string[]).includes(entry.value)) {
      throw factsError(
        `line ${entry.line}: ${key}="${entry.value}" is not one of ${allowed.join(', ')}`,
        this.ctx,
      );
    }
    return entry.value as T;
  }

  /** Keys under a prefix, e.g. `gpu.` → indexes present (gpu.0.name, gpu.1.name → [0, 1]). */
  indexes(prefix: string): number[] {
    const found = new Set<number>();
    for (const key of this.keys.keys()) {
      if (!key.startsWith(prefix)) continue;
      const m = /^(\d+)\./.exec(key.slice(prefix.length));
      if (m) found.add(Number(m[1]));
    }
    return [...found].sort((a, b) => a - b);
  }

  raw(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.keys) out[k] = v.value;
    return out;
  }
}
