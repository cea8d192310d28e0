/**
 * One pipeline phase per file behind this interface; a command is an ordered list of phases.
 */
import { toFleetError } from '../core/errors.js';
import { createChangeGate } from './change-gate.js';
import type { EventBus } from './events.js';
import type { ChangeGate } from './types.js';

/** What every phase gets: the bus, the abort signal and the change gate (dry runs record, not act). */
export interface PhaseContext extends ChangeGate {
  bus: EventBus;
  /** Aborted by the front end (first Ctrl-C); long phases check it between steps. */
  signal: AbortSignal;
}

export interface Phase<C extends PhaseContext> {
  title: string;
  shouldRun?(ctx: C): boolean | string | Promise<boolean | string>;
  run(ctx: C): Promise<void>;
  /** Called in reverse order for phases that completed, when a later phase fails. */
  cleanUp?(ctx: C): Promise<void>;
}

/** A phase context over the change gate (runtime/change-gate.ts); phases see the same fields as before. */
export function createPhaseContext(bus: EventBus, dryRun: boolean, signal: AbortSignal): PhaseContext {
  return { ...createChangeGate(bus, dryRun), bus, signal };
}

export interface PhaseTiming {
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  durationMs: number;
  reason?: string;
}

/**
 * Runs phases in order. A phase's shouldRun may return a string: the reason it is skipped.
 * On failure, completed phases get their cleanUp (latest first) and the error is rethrown.
 */
export async function runPhases<C extends PhaseContext>(phases: Phase<C>[], ctx: C): Promise<PhaseTiming[]> {
  const timings: PhaseTiming[] = [];
  const completed: Phase<C>[] = [];
  for (const phase of phases) {
    const verdict = phase.shouldRun ? await phase.shouldRun(ctx) : true;
    if (verdict !== true) {
      const reason = typeof verdict === 'string' ? verdict : 'not needed';
      ctx.bus.emit({ type: 'phase:skip', phase: phase.title, reason });
      timings.push({ title: phase.title, status: 'skipped', durationMs: 0, reason });
      continue;
    }
    const started = Date.now();
    ctx.bus.emit({ type: 'phase:start', phase: phase.title, at: started });
    try {
      await phase.run(ctx);
    } catch (err) {
      const error = toFleetError(err);
      const durationMs = Date.now() - started;
      ctx.bus.emit({ type: 'phase:done', phase: phase.title, ok: false, durationMs, error: error.message });
      timings.push({ title: phase.title, status: 'failed', durationMs });
      for (const done of completed.reverse()) {
        if (done.cleanUp) await done.cleanUp(ctx).catch(() => undefined);
      }
      (error as { timings?: PhaseTiming[] }).timings = timings;
      throw error;
    }
    const durationMs = Date.now() - started;
    ctx.bus.emit({ type: 'phase:done', phase: phase.title, ok: true, durationMs });
    timings.push({ title: phase.title, status: 'ok', durationMs });
    completed.push(phase);
  }
  return timings;
}
