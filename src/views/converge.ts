/**
 * The live view of a service converging (create, update, scale, rollback, stack deploy), fed by
 * `service:tasks` events: one row per service with running/desired, then one row per task like
 * docker's converge progress (new, pending, assigned, preparing, starting, running, failed), a
 * task's error next to its state. live-model.ts shows these rows while no phase runs; the frame
 * (live-frame.ts) draws them like host rows, so the bar, the cut to the terminal's size and the
 * "+N more" line come for free.
 */
import type { FleetEvent } from '../runtime/events.js';
import { formatDuration } from './format.js';
import type { LiveRow, RowStatus } from './live-row.js';

type TasksEvent = Extract<FleetEvent, { type: 'service:tasks' }>;

/** A task state as a row status: running is the goal, failed/rejected are failures. */
function taskStatus(state: string): RowStatus {
  if (state === 'running') return 'ok';
  if (state === 'failed' || state === 'rejected') return 'failed';
  if (state === 'shutdown' || state === 'complete' || state === 'orphaned' || state === 'remove')
    return 'skipped';
  return state === 'new' ? 'waiting' : 'active';
}

export class ConvergeRows {
  private readonly services = new Map<string, { event: TasksEvent; startedAt: number; doneAt?: number }>();

  /** Folds a service:tasks event in; false for any other event. */
  apply(event: FleetEvent): boolean {
    if (event.type !== 'service:tasks') return false;
    const seen = this.services.get(event.service);
    const done = event.desired > 0 ? event.running >= event.desired : event.tasks.length === 0;
    this.services.set(event.service, {
      event,
      startedAt: seen?.startedAt ?? event.at,
      doneAt: done ? (seen?.doneAt ?? event.at) : undefined,
    });
    return true;
  }

  get empty(): boolean {
    return this.services.size === 0;
  }

  /**
   * The run's last line when services converged: `web 3/3 running, api 1/2 running in 9.1s` (the
   * hosts' tally would count the manager alone). Empty when no service was waited for.
   */
  finalLine(event: { durationMs: number; error?: string; exitCode?: number }): string | undefined {
    if (this.empty) return undefined;
    const parts = [...this.services].map(
      ([name, { event: e }]) => `${name} ${e.running}/${e.desired} running`,
    );
    const stop = event.error ? `; stopped: ${event.error}` : '';
    const code = event.exitCode !== undefined && event.exitCode !== 0 ? `; exit code ${event.exitCode}` : '';
    return `${parts.join(', ')} in ${formatDuration(event.durationMs)}${stop}${code}`;
  }

  rows(): LiveRow[] {
    const out: LiveRow[] = [];
    for (const [name, { event, startedAt, doneAt }] of this.services) {
      const failing = event.tasks.some((t) => taskStatus(t.state) === 'failed' || t.error);
      out.push({
        id: name,
        status: doneAt !== undefined ? 'ok' : 'active',
        label: `${event.running}/${event.desired} running`,
        detail: failing && doneAt === undefined ? 'tasks failing' : undefined,
        startedAt,
        endedAt: doneAt,
      });
      for (const t of event.tasks) {
        const status = taskStatus(t.state);
        out.push({
          id: `${t.name}${t.node ? `@${t.node}` : ''}`,
          status,
          // A row's detail shows only for failures; a pending task's reason belongs in its label.
          label: status === 'failed' ? t.state : t.error ? `${t.state}: ${t.error}` : t.state,
          detail: status === 'failed' ? (t.error ?? t.state) : undefined,
        });
      }
    }
    return out;
  }
}
