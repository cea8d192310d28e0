/** How `fleet facts` shows its result: a table, JSON, and one stderr line per host that failed. */
import { formatBytes, type Facts } from '../core/facts.js';
import type { HostFactsResult } from '../ops/facts/run.js';
import { renderTable } from './table.js';

function swarmText(f: Facts): string {
  if (f.docker.status !== 'ok') return '-';
  const s = f.docker.swarm;
  if (s.state !== 'active') return s.state;
  return `${s.role ?? 'member'} ${s.clusterId ? s.clusterId.slice(0, 8) : ''}`.trim();
}

export function factsTable(results: HostFactsResult[]): string {
  const rows = results
    .filter((r) => r.facts)
    .map((r) => {
      const f = r.facts as Facts;
      return [
        r.id,
        f.deviceType,
        f.arch,
        `${f.os.name}`,
        `${f.cpu.cores}x ${f.cpu.model}`,
        formatBytes(f.memoryBytes),
        `${f.disk.kind} ${formatBytes(f.disk.sizeBytes)}`,
        f.gpus.map((g) => g.name).join(', ') || '-',
        f.docker.status === 'ok' ? f.docker.version : f.docker.status,
        swarmText(f),
        f.link.wireless ? 'wifi' : f.link.speedMbps !== null ? `${f.link.speedMbps}M` : '-',
      ];
    });
  const header = ['HOST', 'TYPE', 'ARCH', 'OS', 'CPU', 'RAM', 'DISK', 'GPU', 'DOCKER', 'SWARM', 'LINK'];
  return renderTable(header, rows).join('\n') + '\n';
}

/** JSON form: the parsed facts per host (without the raw key map), or the error. */
export function factsJson(results: HostFactsResult[]): string {
  const out = results.map((r) =>
    r.facts
      ? { id: r.id, ok: true, clockSkewSeconds: r.clockSkewSeconds, facts: { ...r.facts, raw: undefined } }
      : { id: r.id, ok: false, error: { code: r.error?.code, message: r.error?.message } },
  );
  return JSON.stringify(out, null, 2) + '\n';
}

/** The stderr lines for hosts that failed, and the exit code (0, or the first failure's). */
export function factsFailures(results: HostFactsResult[]): { text: string; exitCode: number } {
  let exitCode = 0;
  let text = '';
  for (const r of results) {
    if (!r.error) continue;
    text += `fleet: ${r.id}: ${r.error.message}${r.error.hint ? ` (${r.error.hint})` : ''}\n`;
    if (exitCode === 0) exitCode = r.error.exitCode;
  }
  return { text, exitCode };
}
