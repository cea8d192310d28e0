/**
 * How `fleet status` looks: two summary lines (cluster + quorum, services + storage), the node table,
 * then what makes the cluster degraded. Colour only when asked (a TTY without NO_COLOR); every line
 * cut to the terminal width when one is given.
 */
import type { HostMetrics } from '../core/host-metrics.js';
import type { QuorumHealth } from '../core/quorum.js';
import { nodeProblems, serviceDegraded, type StatusNode } from '../core/status.js';
import type { StatusResult } from '../ops/status/run.js';
import { renderTable } from './table.js';

export interface StatusRenderOptions {
  color: boolean;
  /** Terminal columns; lines are cut to it. Undefined: no limit (a pipe). */
  width?: number;
}

const GIB = 1024 ** 3;
const TIB = 1024 ** 4;

/** 2.2 below 10, whole numbers above: "2.2/31 GB", "40/57 GB", "1.2/3.6 TB". */
function amount(value: number): string {
  return value < 10 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
}

export function usagePair(used: number, total: number): string {
  if (total >= TIB) return `${amount(used / TIB)}/${amount(total / TIB)} TB`;
  if (total >= GIB) return `${amount(used / GIB)}/${amount(total / GIB)} GB`;
  return `${amount(used / 1024 ** 2)}/${amount(total / 1024 ** 2)} MB`;
}

function size(bytes: number): string {
  return bytes >= TIB ? `${amount(bytes / TIB)} TB` : `${amount(bytes / GIB)} GB`;
}

function metricCells(m: HostMetrics | null): string[] {
  if (!m) return ['-', '-', '-', '-', '-'];
  const disk = m.diskDocker ?? m.diskRoot;
  const gpu = m.gpus[0];
  return [
    m.cpuPct === null ? '-' : `${Math.round(m.cpuPct)}%`,
    m.memTotalBytes === null || m.memUsedBytes === null ? '-' : usagePair(m.memUsedBytes, m.memTotalBytes),
    disk ? usagePair(disk.usedBytes, disk.totalBytes) : '-',
    gpu
      ? `${gpu.name}${m.gpus.length > 1 ? ` x${m.gpus.length}` : ''} ${gpu.utilPct === null ? '-' : `${gpu.utilPct}%`}`
      : '-',
    m.tempC === null ? '-' : `${Math.round(m.tempC)}°C`,
  ];
}

function quorumText(q: QuorumHealth, leader: string | null): string {
  const who = leader ? `leader ${leader}, ` : 'no leader, ';
  const margin = q.canLose < 0 ? `no quorum: ${q.needed} needed` : `can lose ${q.canLose}`;
  return `managers ${q.reachable}/${q.managers} (${who}${margin})`;
}

const paint = (on: boolean, code: number, text: string): string =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;
const RED = 31;
const YELLOW = 33;
const BOLD = 1;

export function renderStatus(r: StatusResult, o: StatusRenderOptions): string {
  const cut = (line: string): string => (o.width && line.length > o.width ? line.slice(0, o.width) : line);
  const quorumAlarm = r.quorum.canLose <= 0 || r.quorum.even;
  const clusterLine =
    `Cluster  swarm ${r.cluster.id ? r.cluster.id.slice(0, 12) : '?'}   ` +
    `${r.cluster.nodesReady}/${r.cluster.nodesTotal} nodes ready   `;
  const quorum = quorumText(r.quorum, r.cluster.leader);
  const degraded = r.services.filter(serviceDegraded);
  const servicesText =
    `Services ${r.services.length - degraded.length} running, ${degraded.length} degraded` +
    (degraded.length ? ` (${degraded.map((s) => `${s.name} ${s.running}/${s.desired}`).join(', ')})` : '');
  const storageText = r.storage
    ? `   Storage ${size(r.storage.usedBytes)} / ${size(r.storage.totalBytes)} used`
    : '';

  const problems = r.nodes.map(nodeProblems);
  const anyNote = problems.some((p) => p.length > 0);
  const header = ['NODE', 'ROLE', 'STATE', 'AVAIL', 'CPU', 'MEM', 'DISK', 'GPU', 'TEMP', 'TASKS'];
  const rows = r.nodes.map((n: StatusNode, i) => [
    n.name,
    n.role ?? '-',
    n.state,
    n.availability ?? '-',
    ...metricCells(n.metrics),
    n.nodeId ? String(n.tasks) : '-',
    ...(anyNote ? [noteFor(n, problems[i] ?? [])] : []),
  ]);
  const table = renderTable(anyNote ? [...header, 'NOTE'] : header, rows).map(cut);

  // The quorum words are coloured only when the line fits; a cut line stays plain.
  const firstLine =
    o.width && (clusterLine + quorum).length > o.width
      ? cut(clusterLine + quorum)
      : clusterLine + paint(o.color && quorumAlarm, r.quorum.canLose < 0 ? RED : YELLOW, quorum);
  const lines = [
    firstLine,
    cut(servicesText + storageText),
    paint(o.color, BOLD, table[0] ?? ''),
    ...table.slice(1).map((line, i) => paint(o.color && (problems[i]?.length ?? 0) > 0, RED, line)),
  ];
  for (const p of r.verdict.problems) lines.push(paint(o.color, RED, cut(`degraded: ${p}`)));
  for (const w of r.verdict.warnings) lines.push(paint(o.color, YELLOW, cut(`warning: ${w}`)));
  return lines.join('\n') + '\n';
}

/** The short mark a row gets in the NOTE column (the full reasons follow the table). */
function noteFor(n: StatusNode, problems: string[]): string {
  if (problems.length === 0) return '';
  if (n.ssh === 'unreachable') return 'ssh unreachable';
  if (n.state === 'left') return 'left the swarm';
  if (n.dockerError) return 'docker not answering';
  if (n.managerReachability === 'unreachable') return 'manager unreachable';
  return problems[0] ?? '';
}

/** --json: the result as one document (schema/status.schema.json). */
export function statusJson(r: StatusResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}
