/**
 * The audit log: one JSON line per tool call (time, tool, arguments, hosts, outcome, duration),
 * appended through adapters/fs/safe-write.ts. Never a secret: every string goes through
 * core/redact.ts (join tokens, passwords, S3 keys the process has seen), service environment values
 * are masked (KEY=…) and compose text is recorded by size and digest only, since either may hold
 * passwords the process never saw.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { appendFileSafely, makeFolder } from '../../adapters/fs/safe-write.js';
import { redact, redactValue } from '../../core/redact.js';

export interface AuditEntry {
  time: string;
  tool: string;
  arguments: Record<string, unknown>;
  hosts: string[];
  outcome: 'ok' | 'error' | 'refused' | 'started';
  /** The error's code and message (redacted) when the outcome is not ok. */
  error?: string;
  duration_ms: number;
  job_id?: string;
  report?: string;
}

/** The arguments as they may be written down. */
export function auditArguments(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (key === 'compose' && typeof value === 'string') {
      const sha256 = createHash('sha256').update(value).digest('hex');
      out[key] = { bytes: Buffer.byteLength(value), sha256 };
    } else if (key === 'env' && Array.isArray(value)) {
      out[key] = value.map((v) => (typeof v === 'string' ? `${v.split('=')[0]}=…` : v));
    } else {
      out[key] = redactValue(value);
    }
  }
  return out;
}

export class AuditLog {
  private queue: Promise<void> = Promise.resolve();
  private ready: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** Appends one line; calls are written in order. A failing write is a warning, never a failed tool call. */
  append(entry: AuditEntry): Promise<void> {
    const line = `${redact(JSON.stringify(entry))}\n`;
    this.ready ??= makeFolder(dirname(this.path)).catch(() => undefined);
    this.queue = this.queue
      .then(() => this.ready)
      .then(() => appendFileSafely(this.path, line, { mode: 0o600 }))
      .catch((err: unknown) => this.warn(`audit log ${this.path}: ${(err as Error).message}`));
    return this.queue;
  }
}
