/**
 * The live terminal view, for every run (exec, up, down, backup, restore): a bounded live area at
 * the bottom of the screen, redrawn in place (live-area.ts), laid out from the run's state
 * (live-model.ts, live-frame.ts): the phase list, one line per host with work in the running phase,
 * the overall bar. Changes, warnings, failures and host output are printed above it as a log.
 * A prompt (see suspend.ts) takes the frame off the screen while the user answers; the frame comes
 * back below the answer. Loaded lazily: pipes and CI never import it.
 */
import chalk from 'chalk';
import { redact } from '../core/redact.js';
import type { FleetEvent } from '../runtime/events.js';
import { LiveArea } from './live-area.js';
import { layoutFrame } from './live-frame.js';
import { LiveModel } from './live-model.js';
import { renderGroup } from './plain.js';
import { setTerminalOwner } from './suspend.js';
import type { View, ViewOptions } from './types.js';

// Often enough for the spinner and elapsed times to move; a frame costs one write.
const FRAME_MS = 125;

export function createTtyView(options: ViewOptions): View {
  const out = (options.stdout ?? process.stdout) as NodeJS.WritableStream & {
    columns?: number;
    rows?: number;
  };
  const model = new LiveModel({ streamOutput: options.streamOutput, verbose: options.verbose });
  const area = new LiveArea(out);
  let timer: NodeJS.Timeout | undefined;
  // Log lines not yet written, and the draw that will write them: events coalesce into one draw
  // per turn of the event loop (a host printing a million lines must not cost a frame per line).
  const pending: string[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  // While a prompt has the terminal: nothing is drawn, log lines wait here.
  let suspended = 0;
  const held: string[] = [];
  // Set once the run's final frame is on the screen: later lines are plain text below it.
  let released = false;

  const frame = () =>
    layoutFrame(model, { now: Date.now(), width: out.columns || 80, height: out.rows || 24 });

  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    const lines = pending.splice(0);
    if (released) return void (lines.length && out.write(lines.map((l) => l + '\n').join('')));
    if (suspended) return void held.push(...lines);
    area.draw(frame(), lines);
    timer ??= setInterval(flush, FRAME_MS);
  };

  const schedule = (above: string[]) => {
    for (const line of above) pending.push(redact(line));
    if (pending.length >= 1000) flush();
    else scheduled ??= setImmediate(flush);
  };

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  /** The final frame stays on the screen; whatever comes after it is printed below. */
  const finish = () => {
    if (released) return;
    flush();
    stop();
    area.release();
    released = true;
  };

  const listener = (event: FleetEvent): void => {
    const above = model.apply(event);
    switch (event.type) {
      case 'output:group':
        finish();
        renderGroup(event).forEach((line, i) => out.write(redact(i === 0 ? chalk.bold(line) : line) + '\n'));
        break;
      case 'run:done':
        schedule(above);
        finish();
        out.write(
          `${event.interrupted ? chalk.yellow('interrupted: ') : ''}${model.converging.finalLine(event) ?? model.tally.finalLine(event)}\n`,
        );
        break;
      default:
        schedule(above);
        break;
    }
  };

  const suspend = async (): Promise<() => Promise<void>> => {
    if (suspended === 0 && !released) {
      // Lines logged before the question stay above it.
      flush();
      stop();
      area.erase();
    }
    suspended++;
    let resumed = false;
    return async () => {
      if (resumed || --suspended > 0) return;
      resumed = true;
      pending.unshift(...held.splice(0));
      flush();
    };
  };

  const unsubscribe = options.bus.subscribe(listener);
  const release = setTerminalOwner(suspend);
  return {
    abandon: () => {
      stop();
      area.release();
    },
    close: async () => {
      unsubscribe();
      release();
      finish();
    },
  };
}
