/**
 * The live area as lines, from the live model, a clock and the terminal's size; no terminal
 * involved, so it is unit tested. Top to bottom: the phase list (compact: done phases fold onto one
 * line when the screen is short), one line per host with work in the running phase (only active and
 * failed hosts, plus "+N more", when they do not all fit), and the overall bar. The frame never has
 * more lines than the terminal has rows minus one, and no line is wider than the terminal: the
 * writer moves the cursor up by the number of lines it drew, which only works if none wrapped or
 * scrolled out of reach.
 */
import chalk from 'chalk';
import { escapeControlChars } from '../core/control-chars.js';
import { redact } from '../core/redact.js';
import { overallProgress } from '../core/transfer-progress.js';
import { formatBytes, formatDuration } from './format.js';
import type { LiveModel, LiveRow, PhaseLine, RowStatus } from './live-model.js';
import { padToWidth, truncateToWidth, visibleWidth } from './text-width.js';

export interface FrameSize {
  now: number;
  /** Terminal columns and rows. */
  width: number;
  height: number;
}

/** What the layout reads from the model (a LiveModel, or a hand-made one in tests). */
export type FrameSource = Pick<LiveModel, 'tally' | 'phases' | 'idWidth' | 'running'> & { rows(): LiveRow[] };

// More host lines than this and the list stops being readable at a glance, however tall the screen.
const MAX_HOST_LINES = 20;
const STEP_BAR = 10;
const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

const COLOR: Record<RowStatus, (s: string) => string> = {
  waiting: chalk.gray,
  active: chalk.cyan,
  ok: chalk.green,
  failed: chalk.red,
  skipped: chalk.yellow,
};

export function bar(fraction: number, width: number): string {
  const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(full) + '░'.repeat(width - full);
}

export function layoutFrame(model: FrameSource, size: FrameSize): string[] {
  const { now } = size;
  // The last column stays free: some terminals wrap when it is written.
  const width = Math.max(1, size.width - 1);
  // One row stays free for the cursor below the frame.
  const budget = Math.max(1, size.height - 1);
  const overall = overallLine(model, now, width);
  const phases = phaseLines(model, now, budget - 1);
  const rowBudget = Math.min(MAX_HOST_LINES, budget - 1 - phases.length);
  const phased = model.phases.length > 0;
  const hosts = pickRows(model.rows(), rowBudget).map((row) =>
    typeof row === 'string'
      ? chalk.gray(row)
      : phased
        ? phaseRowLine(row, model.idWidth, now)
        : hostLine(row, model.idWidth, now),
  );
  return [...phases, ...hosts, overall].map((line) => truncateToWidth(redact(line), width));
}

/** Done phases one per line, or all on one line when that leaves the hosts too little room. */
function phaseLines(model: FrameSource, now: number, room: number): string[] {
  if (room <= 0) return [];
  const lines = model.phases.map((p) => phaseLine(p, model, now));
  const wanted = lines.length + Math.min(model.rows().length, 4);
  if (wanted <= room || lines.length <= 1) return lines.slice(-room);
  const done = model.phases.filter((p) => p.status !== 'running').map((p) => phaseLine(p, model, now));
  const running = model.running ? [phaseLine(model.running, model, now)] : [];
  return [done.join(chalk.gray(' · ')), ...running].filter(Boolean).slice(-room);
}

function phaseLine(phase: PhaseLine, model: FrameSource, now: number): string {
  const hosts = (n: number) => `${n} host${n === 1 ? '' : 's'}`;
  switch (phase.status) {
    case 'running': {
      const spin = SPINNER[Math.floor(now / 80) % SPINNER.length];
      const rows = model.rows();
      const settled = rows.filter((r) => r.status !== 'waiting' && r.status !== 'active').length;
      const count = rows.length > 0 ? chalk.gray(`  ${settled}/${hosts(rows.length)}`) : '';
      return `${chalk.cyan(spin)} ${phase.title} ${chalk.gray(formatDuration(now - phase.startedAt))}${count}`;
    }
    case 'ok':
      return `${chalk.green('✔')} ${phase.title} ${chalk.gray(formatDuration(phase.durationMs ?? 0))}${phase.hostsOk ? chalk.gray(`  ${hosts(phase.hostsOk)}`) : ''}`;
    case 'failed':
      return `${chalk.red('✖')} ${phase.title} ${chalk.gray(formatDuration(phase.durationMs ?? 0))}: ${escapeControlChars(phase.note ?? 'failed')}`;
    case 'skipped':
      return `${chalk.yellow('↓')} ${phase.title} ${chalk.gray(`(${escapeControlChars(phase.note ?? 'skipped')})`)}`;
  }
}

/**
 * Every row when they fit; otherwise active hosts, then failed ones, and a "+N more" line counting
 * the rest by state. Rows keep their order (the inventory's, or the order hosts got work).
 */
export function pickRows(rows: LiveRow[], room: number): (LiveRow | string)[] {
  if (room <= 0) return [];
  if (rows.length <= room) return rows;
  const keep = new Set<LiveRow>();
  for (const status of ['active', 'failed'] as const)
    for (const row of rows) if (row.status === status && keep.size < room - 1) keep.add(row);
  const hidden = rows.filter((r) => !keep.has(r));
  const counts = new Map<string, number>();
  for (const r of hidden) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const parts = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  return [...rows.filter((r) => keep.has(r)), `+${hidden.length} more (${parts})`];
}

function elapsedOf(row: LiveRow, now: number): string {
  return row.startedAt === undefined ? '' : formatDuration((row.endedAt ?? now) - row.startedAt);
}

function bytesText(row: LiveRow, now: number, barWidth: number): string {
  const { done, total, firstAt } = row.bytes!;
  const rate = done / Math.max(0.001, (now - firstAt) / 1000);
  const shown = total
    ? `${bar(done / total, barWidth)} ${formatBytes(done)}/${formatBytes(total)}`
    : formatBytes(done);
  return `${shown} ${formatBytes(rate)}/s`;
}

/** A host in a phase: `agx-05   ██████████ ok 1.1s`, `agx-06   █████░░░░░ joining as worker 0.4s`. */
function phaseRowLine(row: LiveRow, idWidth: number, now: number): string {
  const color = COLOR[row.status];
  const step = stepFraction(row);
  const head = `${padToWidth(escapeControlChars(row.id), idWidth)} ${color(bar(step, STEP_BAR))}`;
  const elapsed = elapsedOf(row, now);
  if (row.status === 'failed')
    return `${head} ${color('failed')}: ${escapeControlChars(row.detail ?? 'error')}`;
  if (row.status === 'skipped')
    return `${head} ${color(row.label)}${row.detail ? `: ${escapeControlChars(row.detail)}` : ''}`;
  const label = color(escapeControlChars(row.label));
  const bytes = row.bytes && row.status === 'active' ? `  ${bytesText(row, now, STEP_BAR)}` : '';
  return `${head} ${label}${elapsed ? ` ${chalk.gray(elapsed)}` : ''}${bytes}`;
}

function stepFraction(row: LiveRow): number {
  if (row.status === 'waiting') return 0;
  if (row.status !== 'active') return 1;
  if (row.bytes?.total) return row.bytes.done / row.bytes.total;
  if (row.label === 'connecting') return 0.2;
  return row.label === 'labels' ? 0.8 : 0.5;
}

/** A host of a run without phases (exec, backup): `agx-05   running       1.2s  12 MiB 3 MiB/s`. */
function hostLine(row: LiveRow, idWidth: number, now: number): string {
  const color = COLOR[row.status];
  let line = `${padToWidth(escapeControlChars(row.id), idWidth)} ${color(row.label.padEnd(11))} ${elapsedOf(row, now).padStart(7)}`;
  if (row.bytes) line += ` ${bytesText(row, now, 20)}`;
  if (row.detail) line += chalk.gray(` ${escapeControlChars(row.detail)}`);
  return line;
}

/**
 * `███░░ 3/6 hosts  3 ok  2 active  4.1s  ETA 2.5s`: from the first frame on. The bar shrinks
 * before the counts are cut.
 */
function overallLine(model: FrameSource, now: number, width: number): string {
  const t = model.tally;
  const elapsed = now - t.startedAt;
  const eta = t.done > 0 && t.done < t.total ? (elapsed / t.done) * (t.total - t.done) : 0;
  const counts = [chalk.green(`${t.ok} ok`)];
  if (t.failed) counts.push(chalk.red(`${t.failed} failed`));
  if (t.interrupted) counts.push(chalk.yellow(`${t.interrupted} interrupted`));
  // While a phase runs, its rows say who is working (a host's state can stay "running" after its
  // part of an earlier phase, until its host:done).
  let active = 0;
  if (model.running) for (const r of model.rows()) active += r.status === 'active' ? 1 : 0;
  else for (const h of t.hosts.values()) if (h.state === 'connecting' || h.state === 'running') active++;
  const withBytes = [...t.hosts.values()].flatMap((h) => (h.bytes?.total !== undefined ? [h.bytes] : []));
  let fraction = t.total ? t.done / t.total : 0;
  let text = `${t.done}/${t.total} hosts  ${counts.join(' ')}  ${active} active  ${formatDuration(elapsed)}${eta ? `  ETA ${formatDuration(eta)}` : ''}`;
  if (withBytes.length > 0) {
    // Transfers (push, pull): the bar is bytes over every host, with the byte-rate ETA.
    const p = overallProgress(withBytes, elapsed);
    fraction = p.fraction;
    text = `${formatBytes(p.done)}/${formatBytes(p.total)} ${formatBytes(p.rate)}/s  ${t.done}/${t.total} hosts  ${counts.join(' ')}  ${active} active  ${formatDuration(elapsed)}${p.etaMs !== undefined ? `  ETA ${formatDuration(p.etaMs)}` : ''}`;
  }
  const room = width - visibleWidth(text) - 1;
  return room >= 8 ? `${bar(fraction, Math.min(30, room))} ${text}` : text;
}
