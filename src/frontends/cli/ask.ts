/**
 * The CLI's Asker: questions go to the terminal (stderr, read from stdin), and only when there is one.
 */
import { redact } from '../../core/redact.js';
import type { Asker, QuestionId } from '../../runtime/types.js';
import { confirm } from './prompt.js';

export function cliAsker(): Asker {
  return {
    canAsk: (id) => terminalCanAsk(id),
    async confirm(request) {
      // What will change, before the question: "fleet restore will:" then "  - line" each (redacted).
      if (request.details) {
        process.stderr.write(
          `fleet ${request.id} will:\n${request.details.map((l) => `  - ${redact(l)}`).join('\n')}\n`,
        );
      }
      return confirm(request.question);
    },
  };
}

/**
 * restore only needs stdin to read the answer (its list goes to stderr either way); down and
 * fewer-managers also need stderr to be a terminal, where the live view and the question are drawn.
 * The two rules differ since before the restructure; both are kept.
 */
function terminalCanAsk(id: QuestionId): boolean {
  switch (id) {
    case 'restore':
      return Boolean(process.stdin.isTTY);
    case 'down':
    case 'fewer-managers':
      return Boolean(process.stdin.isTTY && process.stderr.isTTY);
  }
}
