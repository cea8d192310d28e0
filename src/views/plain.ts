/**
 * The view for CI logs, pipes and NO_COLOR: whole lines only, no ANSI codes, no cursor movement.
 * stdout carries only what the hosts printed (`host: line`), so `fleet exec … | sort` works;
 * failures, phases and the summary go to stderr.
 */
import type { FleetEvent } from '../runtime/events.js';
import { escapeControlChars } from '../core/control-chars.js';
import { redact } from '../core/redact.js';
import { splitLines } from '../core/line-buffer.js';
import { formatBytes, formatDuration } from './format.js';
import { ConvergeRows } from './converge.js';
import { RunTally } from './tally.js';
import type { View, ViewOptions } from './types.js';

// Byte progress in a log is only useful now and then; one line per host every few seconds.
const PROGRESS_EVERY_MS = 5000;

export function createPlainView(options: ViewOptions): View {
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const tally = new RunTally();
  const converging = new ConvergeRows();
  const lastProgress = new Map<string, number>();
  const batch = new LineBatcher();
  // Redacted per block, not per line (LineBatcher): no secret or token spans a newline.
  const write = (stream: NodeJS.WritableStream, line: string) => batch.write(stream, line + '\n');

  const listener = (event: FleetEvent): void => {
    const host = tally.apply(event);
    converging.apply(event);
    switch (event.type) {
      case 'host:output':
        if (options.streamOutput !== false)
          write(event.stream === 'stderr' ? err : out, `${event.host}: ${escapeControlChars(event.line)}`);
        break;
      case 'host:done':
        if (!event.ok && !event.notStarted && !event.skipped && event.failure !== 'interrupted') {
          write(
            err,
            `${event.host}: failed (${event.failure ?? 'error'}): ${escapeControlChars(event.error ?? 'unknown error')}`,
          );
        }
        break;
      case 'host:progress':
        if (event.unit === 'bytes' && host?.bytes) {
          const now = Date.now();
          if (now - (lastProgress.get(event.host) ?? 0) < PROGRESS_EVERY_MS) break;
          lastProgress.set(event.host, now);
          const total = event.total ? ` of ${formatBytes(event.total)}` : '';
          write(err, `${event.host}: ${formatBytes(event.done)}${total}`);
        }
        break;
      case 'phase:start':
        write(err, `[phase] ${event.phase}`);
        break;
      case 'phase:skip':
        write(err, `[phase] ${event.phase}: skipped (${event.reason})`);
        break;
      case 'phase:done':
        write(
          err,
          `[phase] ${event.phase}: ${event.ok ? 'ok' : `failed: ${event.error ?? ''}`} (${formatDuration(event.durationMs)})`,
        );
        break;
      case 'change':
        write(
          err,
          `[${event.dryRun ? 'would change' : 'change'}] ${event.host ? `${event.host}: ` : ''}${event.description}`,
        );
        break;
      case 'output:group':
        for (const line of renderGroup(event)) write(out, line);
        break;
      case 'log':
        if (event.level === 'debug' && !options.verbose) break;
        write(
          err,
          `${event.level === 'warn' ? 'warning: ' : ''}${event.host ? `${event.host}: ` : ''}${event.message}`,
        );
        break;
      case 'run:done':
        write(
          err,
          `${event.interrupted ? 'interrupted: ' : ''}${converging.finalLine(event) ?? tally.finalLine(event)}`,
        );
        break;
      default:
        break;
    }
  };
  const unsubscribe = options.bus.subscribe(listener);
  return {
    close: async () => {
      unsubscribe();
      batch.flush();
    },
  };
}

/**
 * Hosts printing millions of short lines would cost one write() system call per line (minutes for
 * 60 MB). Whole lines are gathered and written in blocks of up to 64 KiB, at the latest on the next
 * turn of the event loop, so output still shows as it arrives; switching between stdout and stderr
 * writes what is pending first, so the order across the two streams is kept.
 */
class LineBatcher {
  private stream: NodeJS.WritableStream | undefined;
  private parts: string[] = [];
  private size = 0;
  private timer: NodeJS.Immediate | undefined;

  write(stream: NodeJS.WritableStream, text: string): void {
    if (stream !== this.stream) this.flush();
    this.stream = stream;
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 64 * 1024) this.flush();
    else this.timer ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    if (this.parts.length > 0) this.stream?.write(redact(this.parts.join('')));
    this.parts = [];
    this.size = 0;
  }
}

/**
 * `--group` block: a header naming the folded hosts, then the output once (stderr lines marked),
 * control characters escaped so no output line can pass for a header.
 */
export function renderGroup(event: Extract<FleetEvent, { type: 'output:group' }>): string[] {
  const status =
    event.error !== null ? `failed: ${escapeControlChars(event.error)}` : `exit ${event.exitCode ?? 'none'}`;
  const lines = [`==== ${event.label} ${status} ====`];
  // A loop, not push(...lines): a spread of a million lines overflows the call stack.
  if (event.stdout) for (const line of splitLines(event.stdout)) lines.push(escapeControlChars(line));
  if (event.stderr)
    for (const line of splitLines(event.stderr)) lines.push(`stderr: ${escapeControlChars(line)}`);
  return lines;
}
