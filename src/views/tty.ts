/**
 * The live terminal view. Phases (fleet up) render as a listr2 task list, one task per phase, with
 * the active hosts as the task's output lines; host-level runs without phases (fleet exec, backup)
 * render as a cli-progress MultiBar: one line per active host (state, elapsed, bytes and rate) and an
 * overall bar (done/total, elapsed, ETA). Only one of the two owns the cursor at any time. Host
 * output is printed above the bars as whole lines. A prompt (see suspend.ts) stops both while the
 * user answers. Loaded lazily: pipes and CI never import it.
 */
import chalk from 'chalk';
import { MultiBar, type SingleBar } from 'cli-progress';
import { Listr, PRESET_TIMER, type ListrTaskWrapper } from 'listr2';
import { escapeControlChars } from '../core/control-chars.js';
import { redact } from '../core/redact.js';
import { overallProgress } from '../core/transfer-progress.js';
import type { FleetEvent, HostState } from '../runtime/events.js';
import { formatBytes, formatDuration } from './format.js';
import { renderGroup } from './plain.js';
import { setTerminalOwner } from './suspend.js';
import { RunTally, type HostView } from './tally.js';
import type { View, ViewOptions } from './types.js';

// Up to this many hosts every host keeps its own line; beyond it only active hosts get one, so
// 200 hosts stay readable (failures are printed above the bars instead).
const ALL_HOSTS_LIMIT = 12;
const ACTIVE_LINES = 8;
const BAR_WIDTH = 20;

const STATE_COLOR: Record<HostState, (s: string) => string> = {
  waiting: chalk.gray,
  connecting: chalk.cyan,
  running: chalk.blue,
  ok: chalk.green,
  failed: chalk.red,
  skipped: chalk.yellow,
  interrupted: chalk.yellow,
};

function bar(fraction: number, width = BAR_WIDTH): string {
  const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(full) + '░'.repeat(width - full);
}

function hostLine(host: HostView, idWidth: number, now: number): string {
  const elapsed = host.startedAt === undefined ? '' : formatDuration((host.endedAt ?? now) - host.startedAt);
  let line = `${host.id.padEnd(idWidth)} ${STATE_COLOR[host.state](host.state.padEnd(11))} ${elapsed.padStart(7)}`;
  if (host.bytes) {
    const { done, total, firstAt } = host.bytes;
    const seconds = Math.max(0.001, (now - firstAt) / 1000);
    const fraction = total ? done / total : 0;
    line += ` ${total ? bar(fraction) + ' ' : ''}${formatBytes(done)}${total ? `/${formatBytes(total)}` : ''} ${formatBytes(done / seconds)}/s`;
  }
  if (host.detail && (host.state === 'failed' || host.state === 'connecting'))
    line += chalk.gray(` ${escapeControlChars(host.detail)}`);
  return line;
}

export function createTtyView(options: ViewOptions): View {
  const out = options.stdout ?? process.stdout;
  const tally = new RunTally();
  let multibar: MultiBar | undefined;
  let overall: SingleBar | undefined;
  const hostBars = new Map<string, SingleBar>();
  const waitingForLine: string[] = [];
  let idWidth = 8;
  // Phase rendering (listr2): one Listr per phase, chained so they print in order.
  let phaseChain: Promise<void> = Promise.resolve();
  let phaseTask: ListrTaskWrapper<unknown, never, never> | undefined;
  let endPhase: ((result: { ok: boolean; error?: string }) => void) | undefined;
  let phaseTimer: NodeJS.Timeout | undefined;
  // The running phase's Listr, and a promise for its task having started (its renderer is drawing).
  let phaseList: { renderer: { render(): void | Promise<void>; end(): void } } | undefined;
  let phaseRunning: Promise<void> = Promise.resolve();
  // While a prompt has the terminal: nothing is drawn, printed lines wait here.
  let suspended = 0;
  const held: string[] = [];

  const ERASE_LINE = '\x1b[2K';
  const showAll = () => tally.total <= ALL_HOSTS_LIMIT;
  const print = (text: string) => {
    const line = redact(text) + '\n';
    if (suspended) return void held.push(line);
    // cli-progress clears only the first line of its log buffer before writing it; clearing each
    // line ourselves keeps a short output line from showing the tail of the bar it overwrites.
    if (multibar) multibar.log(ERASE_LINE + line);
    else if (phaseTask) phaseTask.output = text;
    else out.write(line);
  };

  const ensureBars = () => {
    if (multibar || endPhase || suspended) return;
    multibar = new MultiBar({
      stream: out,
      hideCursor: true,
      gracefulExit: false,
      clearOnComplete: false,
      linewrap: false,
      fps: 8,
      format: (_o, _p, payload: { id?: string }) => {
        const now = Date.now();
        if (payload.id === undefined) return overallLine(now);
        const host = tally.hosts.get(payload.id);
        return host ? hostLine(host, idWidth, now) : '';
      },
    });
    overall = multibar.create(Math.max(1, tally.total), 0, {});
    if (showAll()) for (const id of tally.hosts.keys()) addHostBar(id);
  };

  const overallLine = (now: number): string => {
    const elapsed = now - tally.startedAt;
    const eta =
      tally.done > 0 && tally.done < tally.total ? (elapsed / tally.done) * (tally.total - tally.done) : 0;
    const counts = [chalk.green(`${tally.ok} ok`)];
    if (tally.failed) counts.push(chalk.red(`${tally.failed} failed`));
    if (tally.interrupted) counts.push(chalk.yellow(`${tally.interrupted} interrupted`));
    const active = [...tally.hosts.values()].filter(
      (h) => h.state === 'connecting' || h.state === 'running',
    ).length;
    const withBytes = [...tally.hosts.values()].flatMap((h) =>
      h.bytes?.total !== undefined ? [h.bytes] : [],
    );
    if (withBytes.length > 0) {
      // Transfers (push, pull): the overall bar is bytes over every host, with the byte-rate ETA.
      const p = overallProgress(withBytes, elapsed);
      return `${bar(p.fraction, 30)} ${formatBytes(p.done)}/${formatBytes(p.total)} ${formatBytes(p.rate)}/s  ${tally.done}/${tally.total} hosts  ${counts.join(' ')}  ${formatDuration(elapsed)}${p.etaMs !== undefined ? `  ETA ${formatDuration(p.etaMs)}` : ''}`;
    }
    return `${bar(tally.total ? tally.done / tally.total : 0, 30)} ${tally.done}/${tally.total} hosts  ${counts.join(' ')}  ${active} active  ${formatDuration(elapsed)}${eta ? `  ETA ${formatDuration(eta)}` : ''}`;
  };

  const addHostBar = (id: string) => {
    if (!multibar || hostBars.has(id)) return;
    hostBars.set(id, multibar.create(1, 0, { id }));
  };

  const onHostChange = (host: HostView) => {
    if (!multibar || showAll()) return;
    const active = host.state === 'connecting' || host.state === 'running';
    if (active && !hostBars.has(host.id)) {
      if (hostBars.size < ACTIVE_LINES) addHostBar(host.id);
      else if (!waitingForLine.includes(host.id)) waitingForLine.push(host.id);
    } else if (!active) {
      const existing = hostBars.get(host.id);
      if (existing) {
        multibar.remove(existing);
        hostBars.delete(host.id);
      }
      const queued = waitingForLine.indexOf(host.id);
      if (queued >= 0) waitingForLine.splice(queued, 1);
      while (hostBars.size < ACTIVE_LINES && waitingForLine.length > 0) addHostBar(waitingForLine.shift()!);
    }
  };

  const stopBars = () => {
    if (!multibar) return;
    overall?.update(tally.done);
    multibar.update();
    multibar.stop();
    multibar = undefined;
    hostBars.clear();
  };

  const startPhase = (title: string, skipReason?: string) => {
    stopBars();
    let resolve!: (r: { ok: boolean; error?: string }) => void;
    const finished = new Promise<{ ok: boolean; error?: string }>((r) => (resolve = r));
    let started!: () => void;
    if (skipReason === undefined) {
      endPhase = resolve;
      phaseRunning = new Promise<void>((r) => (started = r));
    }
    const list = new Listr(
      [
        {
          title,
          rendererOptions: { outputBar: ACTIVE_LINES, persistentOutput: false },
          task: async (_ctx, task) => {
            if (skipReason !== undefined) return task.skip(`${title} (${skipReason})`);
            phaseTask = task as unknown as ListrTaskWrapper<unknown, never, never>;
            // Listr's renderer (render/end, the renderer contract) is declared private in its types.
            phaseList = list as unknown as typeof phaseList;
            phaseTimer = setInterval(renderPhaseHosts, 250);
            started();
            const result = await finished;
            clearInterval(phaseTimer);
            phaseTask = undefined;
            phaseList = undefined;
            if (!result.ok) throw new Error(redact(result.error ?? 'failed'));
          },
        },
      ],
      {
        exitOnError: false,
        registerSignalListeners: false,
        rendererOptions: { timer: PRESET_TIMER },
      },
    );
    phaseChain = phaseChain.then(() =>
      list.run().then(
        () => undefined,
        () => undefined,
      ),
    );
    // A phase that ends before its Listr got to run must not leave a prompt waiting for it.
    void finished.then(() => started?.());
  };

  /**
   * Gives the terminal to a prompt: the bars stop (their last frame stays), the phase's renderer
   * ends its frame and releases stdout/stderr (listr2 captures them while it draws, which would
   * swallow the question). Resuming starts the renderer again below the answer.
   */
  const suspend = async (): Promise<() => Promise<void>> => {
    if (suspended++ === 0) {
      // A phase just announced may not be drawing yet; starting after the question would draw over it.
      if (endPhase) await phaseRunning;
      stopBars();
      phaseList?.renderer.end();
    }
    const list = phaseList;
    let resumed = false;
    return async () => {
      if (resumed || --suspended > 0) return;
      resumed = true;
      for (const line of held.splice(0)) out.write(line);
      if (list && list === phaseList) await list.renderer.render();
    };
  };

  const renderPhaseHosts = () => {
    if (!phaseTask || suspended) return;
    const now = Date.now();
    const active = [...tally.hosts.values()].filter((h) => h.state === 'connecting' || h.state === 'running');
    if (active.length === 0) return;
    phaseTask.output = active
      .slice(0, ACTIVE_LINES)
      .map((h) => hostLine(h, idWidth, now))
      .join('\n');
  };

  const listener = (event: FleetEvent): void => {
    const host = tally.apply(event);
    switch (event.type) {
      case 'run:start':
        idWidth = Math.min(24, Math.max(8, ...event.hosts.map((h) => h.length)));
        break;
      case 'host:state':
      case 'host:progress':
        if (!endPhase) ensureBars();
        if (host) onHostChange(host);
        break;
      case 'host:done':
        if (!endPhase) ensureBars();
        overall?.update(tally.done);
        if (host) onHostChange(host);
        if (
          !event.ok &&
          !event.notStarted &&
          !event.skipped &&
          event.failure !== 'interrupted' &&
          !showAll()
        ) {
          print(
            `${chalk.red(event.host)}: failed (${event.failure ?? 'error'}): ${escapeControlChars(event.error ?? '')}`,
          );
        }
        break;
      case 'host:output':
        if (options.streamOutput === false) break;
        print(
          `${event.stream === 'stderr' ? chalk.yellow(event.host) : chalk.bold(event.host)}: ${escapeControlChars(event.line)}`,
        );
        break;
      case 'phase:start':
        startPhase(event.phase);
        break;
      case 'phase:skip':
        startPhase(event.phase, event.reason);
        break;
      case 'phase:done':
        endPhase?.({ ok: event.ok, error: event.error });
        endPhase = undefined;
        break;
      case 'change':
        print(
          chalk.gray(
            `${event.dryRun ? 'would change' : 'change'}: ${event.host ? `${event.host}: ` : ''}${event.description}`,
          ),
        );
        break;
      case 'log':
        if (event.level === 'debug' && !options.verbose) break;
        print(
          `${event.level === 'warn' ? chalk.yellow('warning: ') : ''}${event.host ? `${event.host}: ` : ''}${event.message}`,
        );
        break;
      case 'output:group':
        stopBars();
        renderGroup(event).forEach((line, i) => out.write(redact(i === 0 ? chalk.bold(line) : line) + '\n'));
        break;
      case 'run:done':
        stopBars();
        out.write(`${event.interrupted ? chalk.yellow('interrupted: ') : ''}${tally.finalLine(event)}\n`);
        break;
      default:
        break;
    }
  };
  const unsubscribe = options.bus.subscribe(listener);
  const release = setTerminalOwner(suspend);
  return {
    close: async () => {
      unsubscribe();
      release();
      endPhase?.({ ok: false, error: 'interrupted' });
      if (phaseTimer) clearInterval(phaseTimer);
      stopBars();
      await phaseChain;
    },
  };
}
