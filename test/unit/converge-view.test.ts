/**
 * The convergence view (views/converge.ts) on an emulated terminal and in the plain view: a row per
 * service with running/desired and a row per task with its state (a pending task's reason beside
 * it, a failed task marked failed), redrawn in place as `service:tasks` events arrive, and a last
 * line that names the services instead of counting hosts.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type FleetEvent } from '../../src/runtime/events.js';
import { createPlainView } from '../../src/views/plain.js';
import { createTtyView } from '../../src/views/tty.js';
import type { View } from '../../src/views/types.js';
import { Screen } from '../helpers/screen.js';

let view: View | undefined;
afterEach(async () => {
  await view?.close();
  view = undefined;
});

const drawn = () => new Promise((r) => setImmediate(r));

type Task = { name: string; node: string | null; state: string; error?: string };
const tasks = (running: number, desired: number, list: Task[]): FleetEvent => ({
  type: 'service:tasks',
  service: 'web',
  running,
  desired,
  tasks: list,
  at: Date.now(),
});

const NO_NODE = 'no suitable node (scheduling constraints not satisfied on 3 nodes)';
const STEPS: FleetEvent[] = [
  { type: 'run:start', command: 'service create', hosts: ['spark'], at: Date.now() },
  tasks(0, 3, [
    { name: 'web.1', node: null, state: 'new' },
    { name: 'web.2', node: null, state: 'new' },
    { name: 'web.3', node: null, state: 'new' },
  ]),
  tasks(1, 3, [
    { name: 'web.1', node: 'agx-01', state: 'running' },
    { name: 'web.2', node: 'agx-02', state: 'preparing' },
    { name: 'web.3', node: null, state: 'pending', error: NO_NODE },
  ]),
  tasks(2, 3, [
    { name: 'web.1', node: 'agx-01', state: 'running' },
    { name: 'web.2', node: 'agx-02', state: 'running' },
    { name: 'web.3', node: 'spark', state: 'failed', error: 'No such image: nope' },
  ]),
  tasks(3, 3, [
    { name: 'web.1', node: 'agx-01', state: 'running' },
    { name: 'web.2', node: 'agx-02', state: 'running' },
    { name: 'web.3', node: 'spark', state: 'running' },
  ]),
  { type: 'run:done', ok: true, durationMs: 4200 },
];

describe('convergence view', () => {
  it('on a terminal: one line per task with its state, redrawn in place, then the services in the last line', async () => {
    const screen = new Screen(110, 20);
    const bus = new EventBus();
    view = createTtyView({ bus, stdout: screen as unknown as NodeJS.WritableStream });
    const taskLines = (lines: string[], id: string) => lines.filter((l) => l.startsWith(`${id} `));
    for (const [i, event] of STEPS.entries()) {
      bus.emit(event);
      await drawn();
      const all = screen.all();
      // Never two live lines for one task, in the screen or its scrollback.
      for (const id of ['web.1@agx-01', 'web.2@agx-02', 'web.3@spark']) {
        expect(taskLines(all, id).length, all.join('\n')).toBeLessThanOrEqual(1);
      }
      if (i === 2) {
        const shown = screen.visible();
        expect(taskLines(shown, 'web')).toEqual([expect.stringMatching(/ 1\/3 running/)]);
        expect(taskLines(shown, 'web.1@agx-01')).toEqual([expect.stringMatching(/ running/)]);
        expect(taskLines(shown, 'web.2@agx-02')).toEqual([expect.stringMatching(/ preparing/)]);
        expect(taskLines(shown, 'web.3')).toEqual([
          expect.stringMatching(/ pending: no suitable node \(scheduling constraints/),
        ]);
      }
      if (i === 3) {
        expect(taskLines(screen.visible(), 'web.3@spark')).toEqual([
          expect.stringMatching(/ failed +No such image: nope$/),
        ]);
      }
    }
    const all = screen.all();
    expect(all.at(-1)).toBe('web 3/3 running in 4.2s');
    expect(taskLines(all, 'web.3@spark')).toEqual([expect.stringMatching(/ running/)]);
  });

  it('without a terminal: the same last line, no frames', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    err.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const bus = new EventBus();
    view = createPlainView({
      bus,
      stdout: out as unknown as NodeJS.WritableStream,
      stderr: err as unknown as NodeJS.WritableStream,
    });
    for (const event of STEPS) bus.emit(event);
    await view.close();
    view = undefined;
    expect(text.trim().split('\n').at(-1)).toBe('web 3/3 running in 4.2s');
    expect(text).not.toContain('\u001b[');
  });
});
