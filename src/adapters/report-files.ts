/**
 * Report files. Every run writes one (default ./reports/<command>-<timestamp>-<pid>-<hex>.json) plus a stable
 * reports/last-<command>.json that `--rerun-failed` reads. Written atomically (temp file + rename)
 * so a Ctrl-C or a crash never leaves half a report, and redacted first so no secret reaches disk.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileSafely, writeFileSafelySync } from './fs/safe-write.js';
import { FleetError, isFleetError } from '../core/errors.js';
import { redactValue } from '../core/redact.js';

export const REPORTS_DIR = 'reports';

/**
 * reports/<command>-<UTC time with ms>-<pid>-<4 hex>.json: two runs in the same second (or the same
 * millisecond, from two processes or one) never share a name, and names still sort by time.
 */
export function defaultReportPath(
  command: string,
  at: Date,
  dir = REPORTS_DIR,
  suffix = `${process.pid}-${randomBytes(2).toString('hex')}`,
): string {
  // Colons are not allowed in Windows file names and confuse scp; keep the stamp sortable.
  const stamp = at.toISOString().replace(/:/g, '-');
  return join(dir, `${command}-${stamp}-${suffix}.json`);
}

export function lastReportPath(command: string, dir = REPORTS_DIR): string {
  return join(dir, `last-${command}.json`);
}

export function serializeReport(report: unknown): string {
  return JSON.stringify(redactValue(report), null, 2) + '\n';
}

export async function writeReport(path: string, report: unknown): Promise<void> {
  const text = serializeReport(report);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileSafely(path, text, { mode: 0o600, what: 'report' });
  } catch (err) {
    if (isFleetError(err)) throw err;
    throw new FleetError('usage', `cannot write report ${path}: ${(err as Error).message}`, {
      hint: 'pass --report FILE with a writable path',
      cause: err,
    });
  }
}

/**
 * Writes the run's report to `explicitPath` (--report) or the default timestamped path, and always
 * refreshes reports/last-<command>.json. Returns the primary path. `lastOf` makes the "last" copy
 * from the path just written (exec leaves the hosts' output out of it instead of copying it again).
 */
export async function writeRunReport(
  command: string,
  report: unknown,
  startedAt: Date,
  explicitPath?: string,
  lastOf?: (path: string) => unknown,
  lastName = command,
): Promise<string> {
  const path = explicitPath ?? defaultReportPath(command, startedAt);
  const last = lastReportPath(lastName);
  const lastReport = lastOf ? lastOf(path) : report;
  if (resolve(path) === resolve(last)) {
    await writeReport(path, report);
    await writeReport(last, lastReport);
    return path;
  }
  // Both at once: each atomic write ends with an fsync (tens of ms on a busy disk), and the run's
  // last step (fleet status: after the hosts answered) should not wait for two in a row.
  await Promise.all([writeReport(path, report), writeReport(last, lastReport)]);
  return path;
}

/**
 * writeRunReport for another front end whose stable copies are reports/last-<prefix><command>.json:
 * the MCP server's (`mcp-`) never replace the last-exec.json that a person's `fleet exec
 * --rerun-failed` reads.
 */
export function runReportWriter(lastPrefix: string): typeof writeRunReport {
  return (command, report, startedAt, explicitPath, lastOf) =>
    writeRunReport(command, report, startedAt, explicitPath, lastOf, `${lastPrefix}${command}`);
}

/**
 * The same, synchronously, for the moment the process exits at once (a second Ctrl-C): temp file,
 * then rename, so even this path never leaves half a report.
 */
export function writeRunReportSync(
  command: string,
  report: unknown,
  startedAt: Date,
  explicitPath?: string,
): string {
  const path = explicitPath ?? defaultReportPath(command, startedAt);
  const text = serializeReport(report);
  for (const target of [path, lastReportPath(command)]) {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSafelySync(target, text);
  }
  return path;
}

export async function readReport(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FleetError(
      'usage',
      `cannot read report ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        hint: 'run the command once first, or pass the report file explicitly',
        cause: err,
      },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FleetError('usage', `report ${path} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
