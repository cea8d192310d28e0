/**
 * The change gate: every change an operation makes to a host goes through `change`, so a dry run
 * records (and announces) the sentence instead of acting. One gate per operation run.
 */
import type { EventBus } from './events.js';
import type { ChangeGate, ChangeRecord } from './types.js';

export function createChangeGate(bus: EventBus, dryRun: boolean): ChangeGate {
  const changes: ChangeRecord[] = [];
  return {
    dryRun,
    changes,
    async change(host, description, action) {
      changes.push({ host, description });
      bus.emit({ type: 'change', host, description, dryRun });
      if (dryRun) return undefined;
      return action();
    },
  };
}
