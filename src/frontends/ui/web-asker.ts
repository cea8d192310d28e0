/**
 * The web view's Asker: a question an operation asks (the CLI's "Proceed? [y/N]") goes to every open
 * page as a `question` event; the first page to POST /api/answer decides. Nobody can answer while no
 * page is open, and an unanswered question is a no after ANSWER_TIMEOUT_MS.
 */
import { randomUUID } from 'node:crypto';
import type { Asker, ConfirmRequest } from '../../runtime/types.js';
import type { EventHub } from './hub.js';

const ANSWER_TIMEOUT_MS = 5 * 60_000;

export interface WebAsker extends Asker {
  /** Returns false when no such question is pending (already answered, or unknown). */
  answer(id: string, yes: boolean): boolean;
}

export function createWebAsker(hub: EventHub): WebAsker {
  const pending = new Map<string, (yes: boolean) => void>();
  return {
    canAsk: () => hub.size > 0,
    confirm(request: ConfirmRequest) {
      const id = randomUUID();
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => settle(false), ANSWER_TIMEOUT_MS);
        timer.unref();
        const settle = (yes: boolean): void => {
          clearTimeout(timer);
          pending.delete(id);
          hub.send({ type: 'answered', data: { id, yes } });
          resolve(yes);
        };
        pending.set(id, settle);
        hub.send({ type: 'question', data: { ...request, questionId: id } });
      });
    },
    answer(id, yes) {
      const settle = pending.get(id);
      if (!settle) return false;
      settle(yes);
      return true;
    },
  };
}
