import { toFleetError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';

/** The one place a failure becomes a printed line and an exit code. */
export function handleError(err: unknown, debug: boolean): number {
  const error = toFleetError(err);
  const where = error.host ? `${error.host}: ` : '';
  let line = `fleet: ${where}${error.message}`;
  if (error.hint) line += ` (${error.hint})`;
  if (error.code === 'internal') line += ' — this is a bug in fleet; please report it with --debug output';
  process.stderr.write(redact(line) + '\n');
  if (debug) {
    let cause: unknown = error;
    while (cause) {
      const text = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
      process.stderr.write(redact(text) + '\n');
      cause = cause instanceof Error ? cause.cause : undefined;
      if (cause) process.stderr.write('caused by: ');
    }
  }
  return error.exitCode;
}
