/**
 * The tty view writing to an emulated terminal (test/helpers/screen.ts): what stays on the screen
 * and in its scrollback after many redraws, log lines, a prompt borrowing the terminal, and a
 * narrow terminal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type FleetEvent } from '../../src/runtime/events.js';
import { withTerminal } from '../../src/views/suspend.js';
import { createTtyView } from '../../src/views/tty.js';
import type { View } from '../../src/views/types.js';
import { Screen } from '../helpers/screen.js';

const HOSTS = ['spark', 'agx-01', 'agx-02', 'agx-03', 'agx-04', 'agx-05'];
let view: View | undefined;

afterEach(async () => {
  await view?.close();
  view = undefined;
});

/** The view draws once per turn of the event loop: let it. */
const drawn = () => new Promise((r) => setImmediate(r));

function start(screen: Screen) {
  const bus = new EventBus();
  view = createTtyView({ bus, stdout: screen as unknown as NodeJS.WritableStream });
  return bus;
}

/** Lines a host has in the live area (log lines name it after a `change:`/`warning:` prefix). */
const liveLinesOf = (lines: string[], id: string) => lines.filter((l) => new RegExp(`^${id} +[█░]`).test(l));

/** A short `fleet up`: preflight over every host, managers one by one, workers together. */
function* upEvents(): Generator<FleetEvent> {
  const at = Date.now();
  yield { type: 'run:start', command: 'up', hosts: HOSTS, at };
  yield { type: 'phase:start', phase: 'preflight', at };
  yield { type: 'phase:hosts', phase: 'preflight', hosts: HOSTS };
  for (const h of HOSTS) yield { type: 'host:state', host: h, state: 'connecting', at };
  for (const h of HOSTS) yield { type: 'host:state', host: h, state: 'running', detail: 'facts, docker', at };
  for (const h of HOSTS) yield { type: 'host:state', host: h, state: 'waiting', detail: 'docker 24', at };
  yield { type: 'phase:done', phase: 'preflight', ok: true, durationMs: 900 };
  yield { type: 'phase:start', phase: 'managers', at };
  yield { type: 'phase:hosts', phase: 'managers', hosts: HOSTS.slice(0, 3) };
  for (const h of HOSTS.slice(0, 3)) {
    yield { type: 'host:state', host: h, state: 'running', detail: 'joining as manager', at };
    yield { type: 'change', host: h, description: 'join the swarm as manager', dryRun: false };
    yield { type: 'host:state', host: h, state: 'running', detail: 'labels', at };
    yield { type: 'host:done', host: h, ok: true, durationMs: 800 };
  }
  yield { type: 'phase:done', phase: 'managers', ok: true, durationMs: 2400 };
  yield { type: 'phase:start', phase: 'workers', at };
  yield { type: 'phase:hosts', phase: 'workers', hosts: HOSTS.slice(3) };
  for (const h of HOSTS.slice(3)) {
    yield { type: 'host:state', host: h, state: 'running', detail: 'joining as worker', at };
    yield { type: 'change', host: h, description: 'join the swarm as worker', dryRun: false };
  }
  for (const h of HOSTS.slice(3)) yield { type: 'host:done', host: h, ok: true, durationMs: 700 };
  yield { type: 'phase:done', phase: 'workers', ok: true, durationMs: 1100 };
  yield { type: 'run:done', ok: true, durationMs: 4400 };
}

describe('tty view on a terminal', () => {
  it('redraws in place: no host ever has two live lines, changes stay above as a log, phases stay listed', async () => {
    const screen = new Screen(100, 30);
    const bus = start(screen);
    for (const event of upEvents()) {
      bus.emit(event);
      await drawn();
      // Everything a user can see or scroll back to, after every redraw.
      const all = screen.all();
      for (const h of HOSTS) expect(liveLinesOf(all, h).length, all.join('\n')).toBeLessThanOrEqual(1);
      expect(all.filter((l) => / hosts {2}\d+ ok/.test(l))).toHaveLength(1);
    }
    const all = screen.all();
    const changes = all.filter((l) => l.startsWith('change: '));
    expect(changes).toEqual([
      ...HOSTS.slice(0, 3).map((h) => `change: ${h}: join the swarm as manager`),
      ...HOSTS.slice(3).map((h) => `change: ${h}: join the swarm as worker`),
    ]);
    // The final frame: the phase list, every host's final state, the overall bar, then the summary.
    const phasesAt = all.findIndex((l) => l.startsWith('✔ preflight'));
    expect(phasesAt).toBeGreaterThan(all.lastIndexOf(changes.at(-1)!));
    expect(all.slice(phasesAt)).toEqual([
      expect.stringMatching(/^✔ preflight 900ms {2}6 hosts$/),
      expect.stringMatching(/^✔ managers 2\.4s {2}3 hosts$/),
      expect.stringMatching(/^✔ workers 1\.1s {2}3 hosts$/),
      ...HOSTS.map((h) => expect.stringMatching(new RegExp(`^${h} +█{10} ok`))),
      expect.stringMatching(/^█+ 6\/6 hosts {2}6 ok {2}0 active/),
      expect.stringMatching(/^6 hosts: 6 ok in 4\.4s$/),
    ]);
  });

  it('mid-phase the hosts with work show their step; a prompt takes the frame off and it comes back below', async () => {
    const screen = new Screen(100, 30);
    const bus = start(screen);
    const events = [...upEvents()];
    const workers = events.findIndex((e) => e.type === 'phase:start' && e.phase === 'workers');
    for (const event of events.slice(0, workers + 4)) bus.emit(event);
    await drawn();
    let shown = screen.visible();
    expect(liveLinesOf(shown, 'agx-03')).toEqual([expect.stringMatching(/joining as worker/)]);
    expect(liveLinesOf(shown, 'agx-04')).toEqual([expect.stringMatching(/░{10} waiting$/)]);
    expect(liveLinesOf(shown, 'spark')).toEqual([]);

    await withTerminal(async () => {
      expect(liveLinesOf(screen.visible(), 'agx-03')).toEqual([]);
      screen.write('continue? [y/N] ');
      bus.emit({ type: 'change', host: 'agx-03', description: 'held while asking', dryRun: false });
      screen.write('y\n');
    });
    await drawn();
    shown = screen.visible();
    const question = shown.indexOf('continue? [y/N] y');
    expect(question).toBeGreaterThanOrEqual(0);
    expect(shown[question + 1]).toBe('change: agx-03: held while asking');
    expect(liveLinesOf(shown, 'agx-03')).toHaveLength(1);
    expect(shown.findIndex((l) => liveLinesOf([l], 'agx-03').length)).toBeGreaterThan(question);
  });

  it('60 columns, long host names: no live line wraps, the frame keeps its shape after many redraws', async () => {
    const screen = new Screen(60, 20);
    const bus = start(screen);
    const hosts = HOSTS.map((h) => `${h}-with-a-very-long-fully-qualified-name.example.org`);
    bus.emit({ type: 'run:start', command: 'up', hosts, at: Date.now() });
    bus.emit({ type: 'phase:start', phase: 'preflight', at: Date.now() });
    bus.emit({ type: 'phase:hosts', phase: 'preflight', hosts });
    for (let round = 0; round < 5; round++)
      for (const h of hosts) {
        await drawn();
        bus.emit({
          type: 'host:state',
          host: h,
          state: 'running',
          detail: `step ${round} ${'x'.repeat(80)}`,
          at: 0,
        });
      }
    await drawn();
    const shown = screen.all();
    expect(shown).toHaveLength(1 + hosts.length + 1);
    for (const line of shown) expect(line.length).toBeLessThanOrEqual(59);
  });
});
