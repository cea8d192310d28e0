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
  // While a prompt has the terminal: nothing is drawn, log lines wait here.
  let suspended = 0;
  const held: string[] = [];
  // Set once the run's final frame is on the screen: later lines are plain text below it.
  let released = false;

  const frame = () =>
    layoutFrame(model, { now: Date.now(), width: out.columns || 80, height: out.rows || 24 });

  const draw = (above: string[] = []) => {
    const lines = above.map((line) => redact(line));
    if (released) return void out.write(lines.map((l) => l + '\n').join(''));
    if (suspended) return void held.push(...lines);
    area.draw(frame(), lines);
    timer ??= setInterval(() => draw(), FRAME_MS);
  };

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  /** The final frame stays on the screen; whatever comes after it is printed below. */
  const finish = () => {
    if (released) return;
    stop();
    if (!suspended) area.draw(frame());
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
        draw(above);
        finish();
        out.write(
          `${event.interrupted ? chalk.yellow('interrupted: ') : ''}${model.tally.finalLine(event)}\n`,
        );
        break;
      default:
        draw(above);
        break;
    }
  };

  const suspend = async (): Promise<() => Promise<void>> => {
    if (suspended++ === 0) {
      stop();
      area.erase();
    }
    let resumed = false;
    return async () => {
      if (resumed || --suspended > 0) return;
      resumed = true;
      if (released)
        return void out.write(
          held
            .splice(0)
            .map((l) => l + '\n')
            .join(''),
        );
      draw(held.splice(0));
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
