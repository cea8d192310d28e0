/** How `fleet ps` shows its result: a table like `docker ps` + `docker stats --no-stream`, or JSON. */
import type { PsResult } from '../ops/ps/run.js';
import { formatBytes } from './format.js';
import { renderTable } from './table.js';

export function psTable(r: PsResult): string {
  const rows = r.containers.map((c) => [
    c.node,
    c.name,
    c.image,
    c.state,
    // Docker's own words, without "Up ": "3 minutes", "2 hours (healthy)".
    c.status.replace(/^Up /, ''),
    c.cpuPct === null ? '-' : `${c.cpuPct.toFixed(1)}%`,
    c.memUsedBytes === null
      ? '-'
      : `${formatBytes(c.memUsedBytes)}${c.memLimitBytes ? ` / ${formatBytes(c.memLimitBytes)}` : ''}`,
  ]);
  const lines = renderTable(['NODE', 'NAME', 'IMAGE', 'STATE', 'UPTIME', 'CPU', 'MEM'], rows);
  return lines.join('\n') + '\n';
}

/** The result as one JSON document (also the report); errors as code/message/hint. */
export function psJsonValue(r: PsResult): unknown {
  return {
    ...r,
    hosts: r.hosts.map((h) => ({
      ...h,
      error: h.error ? { code: h.error.code, message: h.error.message, hint: h.error.hint ?? null } : null,
    })),
  };
}

/** stderr lines for hosts that failed, and the exit code (0, or the first failure's). */
export function psFailures(r: PsResult): { text: string; exitCode: number } {
  let exitCode = 0;
  let text = '';
  for (const h of r.hosts) {
    if (!h.error) continue;
    text += `fleet: ${h.id}: ${h.error.message}${h.error.hint ? ` (${h.error.hint})` : ''}\n`;
    if (exitCode === 0) exitCode = h.error.exitCode;
  }
  return { text, exitCode };
}
