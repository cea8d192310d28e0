/**
 * The view of `fleet wait` (and the waits inside `fleet reboot`), as the bash module showed it:
 *   ✓ agx-01 - online (18s)
 *   ⏳ agx-02 - waiting (42s)
 *   [2/3] online | elapsed 42s | timeout in 4m18s
 * On a terminal the block is redrawn in place every second; without one, a line per host as it
 * comes online (or gives up), and the footer at the end.
 */
import { redact } from '../core/redact.js';
import type { FleetEvent } from '../runtime/events.js';
import type { EventBus } from '../runtime/events.js';
import type { View } from './types.js';

export interface WaitViewOptions {
  bus: EventBus;
  tty: boolean;
  timeoutMs: number;
  /** "online" (wait), "back" (reboot). */
  word?: string;
  out?: NodeJS.WritableStream;
}

interface Row {
  id: string;
  state: 'waiting' | 'online' | 'failed';
  at?: number;
  error?: string;
}

/** 258 s → "4m18s", 42 s → "42s". */
export function formatSeconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function waitLines(
  rows: Row[],
  startedAt: number,
  now: number,
  timeoutMs: number,
  word: string,
): string[] {
  const lines = rows.map((r) => {
    const seconds = formatSeconds((r.at ?? now) - startedAt);
    if (r.state === 'online') return `✓ ${r.id} - ${word} (${seconds})`;
    if (r.state === 'failed') return `✗ ${r.id} - ${r.error ?? 'gave up'} (${seconds})`;
    return `⏳ ${r.id} - waiting (${seconds})`;
  });
  return [...lines, footer(rows, startedAt, now, timeoutMs, word)];
}

function footer(rows: Row[], startedAt: number, now: number, timeoutMs: number, word: string): string {
  const done = rows.filter((r) => r.state === 'online').length;
  const left = startedAt + timeoutMs - now;
  return `[${done}/${rows.length}] ${word} | elapsed ${formatSeconds(now - startedAt)} | timeout in ${formatSeconds(left)}`;
}

export function createWaitView(o: WaitViewOptions): View {
  const out = o.out ?? process.stdout;
  const word = o.word ?? 'online';
  const rows = new Map<string, Row>();
  let startedAt = Date.now();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    const lines = waitLines([...rows.values()], startedAt, Date.now(), o.timeoutMs, word);
    const up = drawn > 0 ? `\x1b[${drawn}A` : '';
    out.write(redact(up + lines.map((l) => `\x1b[2K${l}\n`).join('')));
    drawn = lines.length;
  };
  const listener = (event: FleetEvent): void => {
    if (event.type === 'run:start') {
      startedAt = event.at;
      for (const id of event.hosts) rows.set(id, { id, state: 'waiting' });
      if (o.tty) {
        draw();
        timer = setInterval(draw, 1000);
      }
    } else if (event.type === 'host:done') {
      const row = rows.get(event.host) ?? { id: event.host, state: 'waiting' };
      row.state = event.ok ? 'online' : 'failed';
      row.at = Date.now();
      row.error = event.failure === 'timeout' ? 'timed out' : event.failure;
      rows.set(event.host, row);
      if (o.tty) draw();
      else out.write(redact(`${waitLines([row], startedAt, row.at, o.timeoutMs, word)[0]}\n`));
    } else if (event.type === 'run:done') {
      clearInterval(timer);
      timer = undefined;
      if (o.tty) draw();
      else out.write(`${footer([...rows.values()], startedAt, Date.now(), o.timeoutMs, word)}\n`);
    } else if (event.type === 'log' && event.level !== 'debug') {
      if (!o.tty)
        out.write(
          redact(
            `${event.level === 'warn' ? 'warning: ' : ''}${event.host ? `${event.host}: ` : ''}${event.message}\n`,
          ),
        );
    }
  };
  const unsubscribe = o.bus.subscribe(listener);
  return {
    close: async () => {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
