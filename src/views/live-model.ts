/**
 * What the live terminal view shows, folded from the event stream without touching a terminal: the
 * phase list, one row per host that has work in the running phase (or every host of a run without
 * phases: exec, backup, restore), the run's tally, and the lines to print above the live area as a
 * log (changes, warnings, host output, failures). live-frame.ts lays it out; tty.ts draws it.
 */
import chalk from 'chalk';
import { escapeControlChars } from '../core/control-chars.js';
import type { FleetEvent, HostState } from '../runtime/events.js';
import { ConvergeRows } from './converge.js';
import type { LiveRow, RowStatus } from './live-row.js';
import { RunTally, type HostView } from './tally.js';

export type { LiveRow, RowStatus } from './live-row.js';

export interface PhaseLine {
  title: string;
  status: 'running' | 'ok' | 'failed' | 'skipped';
  startedAt: number;
  durationMs?: number;
  /** Why it was skipped, or why it failed. */
  note?: string;
  /** Hosts whose part of this phase ended ok / failed. */
  hostsOk: number;
  hostsFailed: number;
}

// Up to this many hosts a run without phases shows a failure only on the host's own line; beyond it
// lines go to active hosts only, so the failure is logged above the live area as well.
export const ALL_HOSTS_LIMIT = 12;

const ROW_STATUS: Record<HostState, RowStatus> = {
  waiting: 'waiting',
  connecting: 'active',
  running: 'active',
  ok: 'ok',
  failed: 'failed',
  skipped: 'skipped',
  interrupted: 'skipped',
};

export interface LiveModelOptions {
  /** false: host output is not printed as it arrives (`--group` prints it folded at the end). */
  streamOutput?: boolean;
  verbose?: boolean;
}

export class LiveModel {
  readonly tally = new RunTally();
  readonly phases: PhaseLine[] = [];
  running: PhaseLine | undefined;
  /** Rows of the running phase, in the order its hosts were named or got work. */
  readonly phaseRows = new Map<string, LiveRow>();
  /** run:done seen: the frame shows every host's final state. */
  finished = false;
  idWidth = 8;
  /** Services converging (service:tasks), shown as rows while no phase runs. */
  readonly converging = new ConvergeRows();

  constructor(private readonly options: LiveModelOptions = {}) {}

  /** Folds one event in; returns the lines to print above the live area (already formatted). */
  apply(event: FleetEvent): string[] {
    if (this.converging.apply(event)) {
      const ids = this.converging.rows().map((r) => r.id.length);
      this.idWidth = Math.min(32, Math.max(this.idWidth, ...ids));
      return [];
    }
    const host = this.tally.apply(event);
    switch (event.type) {
      case 'run:start':
        this.idWidth = Math.min(24, Math.max(8, ...event.hosts.map((h) => h.length)));
        return [];
      case 'phase:start':
        this.phaseRows.clear();
        this.running = {
          title: event.phase,
          status: 'running',
          startedAt: event.at,
          hostsOk: 0,
          hostsFailed: 0,
        };
        this.phases.push(this.running);
        return [];
      case 'phase:skip':
        this.phases.push({
          title: event.phase,
          status: 'skipped',
          startedAt: Date.now(),
          note: event.reason,
          hostsOk: 0,
          hostsFailed: 0,
        });
        return [];
      case 'phase:hosts':
        if (this.running?.title === event.phase)
          for (const id of event.hosts) if (!this.phaseRows.has(id)) this.phaseRows.set(id, waitingRow(id));
        return [];
      case 'phase:done':
        if (this.running) {
          this.running.status = event.ok ? 'ok' : 'failed';
          this.running.durationMs = event.durationMs;
          this.running.note = event.ok ? undefined : event.error;
        }
        this.running = undefined;
        this.phaseRows.clear();
        return [];
      case 'host:state':
        if (this.running) this.phaseState(event.host, event.state, event.detail, event.at);
        return [];
      case 'host:progress':
        if (this.running) this.phaseRow(event.host).bytes = host?.bytes;
        return [];
      case 'host:done':
        return this.hostDone(event);
      case 'host:output':
        if (this.options.streamOutput === false) return [];
        return [
          `${event.stream === 'stderr' ? chalk.yellow(event.host) : chalk.bold(event.host)}: ${escapeControlChars(event.line)}`,
        ];
      case 'change':
        return [
          chalk.gray(
            `${event.dryRun ? 'would change' : 'change'}: ${event.host ? `${event.host}: ` : ''}${event.description}`,
          ),
        ];
      case 'log':
        if (event.level === 'debug' && !this.options.verbose) return [];
        return [
          `${event.level === 'warn' ? chalk.yellow('warning: ') : ''}${event.host ? `${event.host}: ` : ''}${event.message}`,
        ];
      case 'run:done':
        this.finished = true;
        return [];
      default:
        return [];
    }
  }

  /** The host rows the frame shows now. */
  rows(): LiveRow[] {
    if (this.running) return [...this.phaseRows.values()];
    // Between two phases nothing is running: only the phase list and the overall bar.
    if (this.phases.length > 0 && !this.finished) return [];
    if (!this.converging.empty) return this.converging.rows();
    return [...this.tally.hosts.values()].map(tallyRow);
  }

  private phaseRow(id: string): LiveRow {
    let row = this.phaseRows.get(id);
    if (!row) {
      row = waitingRow(id);
      this.phaseRows.set(id, row);
    }
    return row;
  }

  private phaseState(id: string, state: HostState, detail: string | undefined, at: number): void {
    const row = this.phaseRow(id);
    if (state === 'waiting') {
      // Back to waiting after working: this host's part of the phase is done (see events.ts).
      if (row.status === 'active') this.settle(row, 'ok', 'ok', at);
      return;
    }
    row.status = ROW_STATUS[state];
    row.label = state === 'running' ? (detail ?? 'running') : state;
    row.detail = state === 'running' ? undefined : detail;
    row.startedAt ??= at;
  }

  private settle(row: LiveRow, status: RowStatus, label: string, at: number, detail?: string): void {
    if (row.status === 'ok' || row.status === 'failed') return;
    row.status = status;
    row.label = label;
    row.detail = detail;
    row.startedAt ??= at;
    row.endedAt = at;
    if (this.running && status === 'ok') this.running.hostsOk++;
    if (this.running && status === 'failed') this.running.hostsFailed++;
  }

  private hostDone(event: Extract<FleetEvent, { type: 'host:done' }>): string[] {
    const failed = !event.ok && !event.notStarted && !event.skipped && event.failure !== 'interrupted';
    if (this.running) {
      const row = this.phaseRow(event.host);
      const now = Date.now();
      row.startedAt ??= now - event.durationMs;
      if (event.ok) this.settle(row, 'ok', 'ok', now);
      else if (failed) this.settle(row, 'failed', 'failed', now, event.error);
      else this.settle(row, 'skipped', event.notStarted ? 'not started' : 'skipped', now, event.error);
    }
    // A phase's rows go when it ends, and beyond ALL_HOSTS_LIMIT a run's rows show active hosts
    // only: the failure is logged above so it stays on the screen.
    if (!failed || (this.phases.length === 0 && this.tally.total <= ALL_HOSTS_LIMIT)) return [];
    return [
      `${chalk.red(event.host)}: failed (${event.failure ?? 'error'}): ${escapeControlChars(event.error ?? '')}`,
    ];
  }
}

function waitingRow(id: string): LiveRow {
  return { id, status: 'waiting', label: 'waiting' };
}

/** A run's host (no phase running) as a row: its state is its label. */
function tallyRow(host: HostView): LiveRow {
  const status = ROW_STATUS[host.state];
  return {
    id: host.id,
    status,
    label: host.state,
    detail:
      status === 'failed' || host.state === 'connecting' || status === 'skipped' ? host.detail : undefined,
    startedAt: host.startedAt,
    endedAt: host.endedAt,
    bytes: host.bytes,
  };
}
