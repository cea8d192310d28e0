/**
 * The CLI's Asker: questions go to the terminal (stderr), and only when there is one. Package B
 * settles the per-question details (down's plan screen, fewer-managers); this is today's restore form.
 */
import { redact } from '../../core/redact.js';
import type { Asker } from '../../runtime/types.js';
import { confirm } from './prompt.js';

export function cliAsker(): Asker {
  return {
    // restore only needs stdin (backup/action.ts); down and fewer-managers also draw on stderr.
    canAsk: (id) => Boolean(process.stdin.isTTY && (id === 'restore' || process.stderr.isTTY)),
    async confirm(request) {
      if (request.details?.length) {
        process.stderr.write(
          `fleet ${request.id} will:\n${request.details.map((l) => `  - ${redact(l)}`).join('\n')}\n`,
        );
      }
      return confirm(request.question);
    },
  };
}
