/** `--outdir DIR`: each host's stdout and stderr in DIR/<host>.out and DIR/<host>.err. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileSafely } from '../adapters/fs/safe-write.js';
import { FleetError, isFleetError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { ExecHostReport } from '../core/report.js';

/** Host ids are names or addresses; anything that could escape the folder is replaced. */
export function outdirFileBase(id: string): string {
  return id.replace(/[^A-Za-z0-9._@:-]/g, '_').replace(/^\.+/, '_');
}

export async function writeOutdir(dir: string, hosts: ExecHostReport[]): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await Promise.all(
      hosts
        // Hosts that never ran the command have no output to keep; their error is in the report.
        .filter((h) => h.exit_code !== null || h.output !== '' || h.stderr !== '')
        .flatMap((h) => [
          writeFileSafely(join(dir, `${outdirFileBase(h.id)}.out`), redact(h.output), {
            what: '--outdir file',
          }),
          writeFileSafely(join(dir, `${outdirFileBase(h.id)}.err`), redact(h.stderr), {
            what: '--outdir file',
          }),
        ]),
    );
  } catch (err) {
    if (isFleetError(err)) throw err;
    throw new FleetError('usage', `cannot write --outdir ${dir}: ${(err as Error).message}`, { cause: err });
  }
}
