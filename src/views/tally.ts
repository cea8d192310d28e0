/**
 * What every human view needs to know about a run, folded from the event stream: per-host state,
 * counts, failure kinds. Kept separate from rendering so tty and plain summarise identically.
 */
import type { FailureKind } from '../core/host.js';
import type { FleetEvent, HostState } from '../runtime/events.js';
import { formatDuration } from './format.js';

export interface HostView {
  id: string;
  state: HostState;
  detail?: string;
  since: number;
  startedAt?: number;
  endedAt?: number;
  bytes?: { done: number; total?: number; firstAt: number };
}

export class RunTally {
  readonly hosts = new Map<string, HostView>();
  total = 0;
  done = 0;
  ok = 0;
  failed = 0;
  interrupted = 0;
  skipped = 0;
  notStarted = 0;
  startedAt = Date.now();
  readonly failures = new Map<FailureKind, number>();

  /** Returns the host view the event touched, if any. */
  apply(event: FleetEvent): HostView | undefined {
    switch (event.type) {
      case 'run:start':
        this.startedAt = event.at;
        this.total = event.hosts.length;
        for (const id of event.hosts) this.hosts.set(id, { id, state: 'waiting', since: event.at });
        return undefined;
      case 'host:state': {
        const host = this.host(event.host);
        host.state = event.state;
        host.detail = event.detail;
        host.since = event.at;
        if (host.startedAt === undefined && event.state !== 'waiting') host.startedAt = event.at;
        return host;
      }
      case 'host:progress': {
        const host = this.host(event.host);
        if (event.unit === 'bytes') {
          host.bytes ??= { done: 0, firstAt: Date.now() };
          host.bytes.done = event.done;
          host.bytes.total = event.total;
        }
        return host;
      }
      case 'host:done': {
        const host = this.host(event.host);
        host.endedAt = Date.now();
        this.done++;
        if (event.notStarted) {
          this.notStarted++;
          host.state = 'skipped';
        } else if (event.skipped) {
          this.skipped++;
          host.state = 'skipped';
        } else if (event.ok) {
          this.ok++;
          host.state = 'ok';
        } else if (event.failure === 'interrupted') {
          this.interrupted++;
          host.state = 'interrupted';
        } else {
          this.failed++;
          host.state = 'failed';
          if (event.failure) this.failures.set(event.failure, (this.failures.get(event.failure) ?? 0) + 1);
        }
        host.detail = event.error;
        return host;
      }
      default:
        return undefined;
    }
  }

  private host(id: string): HostView {
    let host = this.hosts.get(id);
    if (!host) {
      host = { id, state: 'waiting', since: Date.now() };
      this.hosts.set(id, host);
      this.total = Math.max(this.total, this.hosts.size);
    }
    return host;
  }

  /**
   * One line: `20 hosts: 17 ok, 1 interrupted, 2 failed: 1 cannot connect, 1 non-zero exit in 1.2s`.
   * Failure kinds are words, not `exit 2`, which read like fleet's own exit code.
   */
  summary(durationMs: number): string {
    const parts = [`${this.ok} ok`];
    if (this.interrupted > 0) parts.push(`${this.interrupted} interrupted`);
    if (this.skipped > 0) parts.push(`${this.skipped} skipped`);
    if (this.notStarted > 0) parts.push(`${this.notStarted} not started`);
    if (this.failed > 0) {
      const kinds = [...this.failures].map(([kind, n]) => `${n} ${FAILURE_WORDS[kind] ?? kind}`).join(', ');
      parts.push(`${this.failed} failed${kinds ? `: ${kinds}` : ''}`);
    }
    return `${this.total} host${this.total === 1 ? '' : 's'}: ${parts.join(', ')} in ${formatDuration(durationMs)}`;
  }

  /** The summary plus, when the run stopped early, why and with which exit code. */
  finalLine(event: { durationMs: number; error?: string; exitCode?: number }): string {
    const line = this.summary(event.durationMs);
    const stop = event.error ? `; stopped: ${event.error}` : '';
    const code = event.exitCode !== undefined && event.exitCode !== 0 ? `; exit code ${event.exitCode}` : '';
    return `${line}${stop}${code}`;
  }
}

/** How the summary names each failure kind (the report keeps the kind itself). */
const FAILURE_WORDS: Partial<Record<FailureKind, string>> = {
  connect: 'cannot connect',
  auth: 'auth refused',
  hostkey: 'host key mismatch',
  timeout: 'timed out',
  exit: 'non-zero exit',
  signal: 'killed by signal',
  docker: 'Docker failed',
  quorum: 'quorum refused',
};
