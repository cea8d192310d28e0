/**
 * The view for CI logs, pipes and NO_COLOR: whole lines only, no ANSI codes, no cursor movement.
 * stdout carries only what the hosts printed (`host: line`), so `fleet exec … | sort` works;
 * failures, phases and the summary go to stderr.
 */
import type { FleetEvent } from '../pipeline/events.js';
import { redact } from '../core/redact.js';
import { splitLines } from '../core/line-buffer.js';
import { formatBytes, formatDuration } from './format.js';
import { RunTally } from './tally.js';
import type { View, ViewOptions } from './types.js';

// Byte progress in a log is only useful now and then; one line per host every few seconds.
const PROGRESS_EVERY_MS = 5000;

export function createPlainView(options: ViewOptions): View {
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const tally = new RunTally();
  const lastProgress = new Map<string, number>();
  const write = (stream: NodeJS.WritableStream, line: string) => stream.write(redact(line) + '\n');

  const listener = (event: FleetEvent): void => {
    const host = tally.apply(event);
    switch (event.type) {
      case 'host:output':
        if (options.streamOutput !== false)
          write(event.stream === 'stderr' ? err : out, `${event.host}: ${event.line}`);
        break;
      case 'host:done':
        if (!event.ok && !event.notStarted && !event.skipped && event.failure !== 'interrupted') {
          write(
            err,
            `${event.host}: failed (${event.failure ?? 'error'}): ${event.error ?? 'unknown error'}`,
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
        write(err, `${event.interrupted ? 'interrupted: ' : ''}${tally.finalLine(event)}`);
        break;
      default:
        break;
    }
  };
  const unsubscribe = options.bus.subscribe(listener);
  return {
    close: async () => {
      unsubscribe();
    },
  };
}

/** `--group` block: a header naming the folded hosts, then the output once (stderr lines marked). */
export function renderGroup(event: Extract<FleetEvent, { type: 'output:group' }>): string[] {
  const status = event.error !== null ? `failed: ${event.error}` : `exit ${event.exitCode ?? 'none'}`;
  const lines = [`==== ${event.label} ${status} ====`];
  if (event.stdout) lines.push(...splitLines(event.stdout));
  if (event.stderr) lines.push(...splitLines(event.stderr).map((l) => `stderr: ${l}`));
  return lines;
}
