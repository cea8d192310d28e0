/**
 * The event stream every command emits. Views (tty, plain, json report) are listeners; nothing else
 * writes to stdout. Events carry data, not formatted text, so the three outputs stay consistent.
 */
import type { FailureKind } from '../core/host.js';

export type HostState = 'waiting' | 'connecting' | 'running' | 'ok' | 'failed' | 'skipped' | 'interrupted';

export type FleetEvent =
  | { type: 'run:start'; command: string; hosts: string[]; at: number }
  | { type: 'phase:start'; phase: string; at: number }
  | { type: 'phase:skip'; phase: string; reason: string }
  | { type: 'phase:done'; phase: string; ok: boolean; durationMs: number; error?: string }
  /**
   * The hosts with work in the running phase, emitted when the phase knows them: the live view shows
   * each as "waiting" until its first host:state (a bounded pool starts them a few at a time).
   */
  | { type: 'phase:hosts'; phase: string; hosts: string[] }
  /**
   * `detail` names the step (`facts, docker`, `joining as worker`, `labels`). Inside a phase,
   * "waiting" after "connecting"/"running" means the host's part of that phase is done (its run
   * goes on in later phases); host:done ends the host's whole run.
   */
  | { type: 'host:state'; host: string; state: HostState; detail?: string; at: number }
  | { type: 'host:output'; host: string; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'host:progress'; host: string; done: number; total?: number; unit: 'bytes' | 'steps' }
  | {
      type: 'host:done';
      host: string;
      ok: boolean;
      exitCode?: number | null;
      failure?: FailureKind;
      error?: string;
      /** The host had work the run never reached (stopped by an error or Ctrl-C first). */
      notStarted?: boolean;
      /** Left alone on purpose (another swarm without --force, a locked swarm): neither ok nor failed. */
      skipped?: boolean;
      durationMs: number;
    }
  | { type: 'change'; host?: string; description: string; dryRun: boolean }
  /** `--group`: identical results of several hosts, shown once after the run. */
  | {
      type: 'output:group';
      label: string;
      hosts: string[];
      exitCode: number | null;
      stdout: string;
      stderr: string;
      error: string | null;
    }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string; host?: string }
  /**
   * A service converging (create/update/scale/rollback, stack deploy): every task of its newest
   * generation, emitted whenever one changes (views/converge.ts draws them).
   */
  | {
      type: 'service:tasks';
      service: string;
      running: number;
      desired: number;
      tasks: { name: string; node: string | null; state: string; error?: string }[];
      at: number;
    }
  | {
      type: 'run:done';
      ok: boolean;
      durationMs: number;
      interrupted?: boolean;
      /** Why the run stopped early, when it did (the summary names it next to the counts). */
      error?: string;
      /** The process exit code, when the command knows it here (so the summary can name it). */
      exitCode?: number;
    };

export type FleetEventType = FleetEvent['type'];
export type EventOf<T extends FleetEventType> = Extract<FleetEvent, { type: T }>;
export type Listener = (event: FleetEvent) => void;

export class EventBus {
  private readonly listeners: Listener[] = [];

  subscribe(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(event: FleetEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Convenience for host state changes, the most common event. */
  hostState(host: string, state: HostState, detail?: string): void {
    this.emit({ type: 'host:state', host, state, detail, at: Date.now() });
  }

  /** The hosts with work in the running phase (see the phase:hosts event). */
  phaseHosts(phase: string, hosts: Iterable<string>): void {
    this.emit({ type: 'phase:hosts', phase, hosts: [...hosts] });
  }

  log(level: 'info' | 'warn' | 'debug', message: string, host?: string): void {
    this.emit({ type: 'log', level, message, host });
  }
}
