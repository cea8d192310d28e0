/**
 * The live area's layout (views/live-frame.ts over views/live-model.ts), without a terminal: events
 * in, lines out, for a given clock and terminal size.
 */
import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../src/runtime/events.js';
import { chooseViewMode } from '../../src/views/index.js';
import { layoutFrame } from '../../src/views/live-frame.js';
import { LiveModel } from '../../src/views/live-model.js';
import { truncateToWidth, visibleWidth } from '../../src/views/text-width.js';

const T0 = 1_000_000;

function modelOf(events: FleetEvent[]): LiveModel {
  const model = new LiveModel();
  for (const e of events) model.apply(e);
  return model;
}

const names = (n: number, prefix = 'agx-') =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
const hostLineOf = (lines: string[], id: string) => lines.filter((l) => l.startsWith(`${id} `));

describe('layoutFrame', () => {
  it('a running phase: the phase list, one line per host with its step, the overall bar', () => {
    const hosts = ['spark', 'agx-01', 'agx-02', 'agx-03'];
    const model = modelOf([
      { type: 'run:start', command: 'up', hosts, at: T0 },
      { type: 'phase:start', phase: 'preflight', at: T0 },
      { type: 'phase:hosts', phase: 'preflight', hosts },
      { type: 'host:state', host: 'spark', state: 'connecting', at: T0 + 10 },
      { type: 'host:state', host: 'spark', state: 'running', detail: 'facts, docker', at: T0 + 100 },
      { type: 'host:state', host: 'spark', state: 'waiting', detail: 'docker 24', at: T0 + 1300 },
      { type: 'host:state', host: 'agx-01', state: 'running', detail: 'facts, docker', at: T0 + 200 },
      {
        type: 'host:done',
        host: 'agx-02',
        ok: false,
        failure: 'connect',
        error: 'connection refused',
        durationMs: 5,
      },
    ]);
    const lines = layoutFrame(model, { now: T0 + 2000, width: 100, height: 30 });
    expect(lines[0]).toMatch(/^. preflight 2\.0s {2}2\/4 hosts$/);
    expect(hostLineOf(lines, 'spark')).toEqual([expect.stringMatching(/^spark +█{10} ok 1\.3s$/)]);
    expect(hostLineOf(lines, 'agx-01')).toEqual([
      expect.stringMatching(/^agx-01 +█{5}░{5} facts, docker 1\.8s$/),
    ]);
    expect(hostLineOf(lines, 'agx-02')).toEqual([expect.stringMatching(/failed: connection refused$/)]);
    expect(hostLineOf(lines, 'agx-03')).toEqual([expect.stringMatching(/^agx-03 +░{10} waiting$/)]);
    expect(lines.at(-1)).toMatch(/^[█░]+ 1\/4 hosts {2}0 ok 1 failed {2}1 active {2}2\.0s {2}ETA 6\.0s$/);
    expect(lines).toHaveLength(6);
  });

  it('done and skipped phases stay listed with their time; the run overall bar shows from the start', () => {
    const model = modelOf([
      { type: 'run:start', command: 'up', hosts: ['a', 'b'], at: T0 },
      { type: 'phase:start', phase: 'preflight', at: T0 },
      { type: 'phase:done', phase: 'preflight', ok: true, durationMs: 1200 },
      { type: 'phase:skip', phase: 'tokens', reason: 'no joins' },
    ]);
    const lines = layoutFrame(model, { now: T0 + 300, width: 80, height: 24 });
    expect(lines).toEqual([
      expect.stringMatching(/^✔ preflight 1\.2s$/),
      expect.stringMatching(/^↓ tokens \(no joins\)$/),
      expect.stringMatching(/0\/2 hosts {2}0 ok {2}0 active {2}300ms$/),
    ]);
  });

  it('200 hosts: only active and failed hosts get lines, the rest is one "+N more" line', () => {
    const hosts = names(200);
    const events: FleetEvent[] = [
      { type: 'run:start', command: 'up', hosts, at: T0 },
      { type: 'phase:start', phase: 'workers', at: T0 },
      { type: 'phase:hosts', phase: 'workers', hosts },
    ];
    hosts.slice(0, 50).forEach((h) => events.push({ type: 'host:done', host: h, ok: true, durationMs: 9 }));
    hosts.slice(50, 53).forEach((h) =>
      events.push({
        type: 'host:done',
        host: h,
        ok: false,
        failure: 'docker',
        error: 'join refused',
        durationMs: 9,
      }),
    );
    hosts
      .slice(53, 63)
      .forEach((h) =>
        events.push({ type: 'host:state', host: h, state: 'running', detail: 'joining as worker', at: T0 }),
      );
    const lines = layoutFrame(modelOf(events), { now: T0 + 5000, width: 120, height: 45 });
    const shown = hosts.filter((h) => hostLineOf(lines, h).length > 0);
    expect(shown).toEqual([...hosts.slice(50, 63)]);
    expect(lines).toContainEqual('+187 more (50 ok, 137 waiting)');
    expect(lines.at(-1)).toMatch(/53\/200 hosts {2}50 ok 3 failed {2}10 active/);
    expect(lines.length).toBeLessThanOrEqual(44);
  });

  it('a short terminal: the frame keeps below its height, done phases fold onto one line', () => {
    const hosts = names(30);
    const events: FleetEvent[] = [{ type: 'run:start', command: 'up', hosts, at: T0 }];
    for (const phase of ['preflight', 'init', 'tokens', 'managers']) {
      events.push({ type: 'phase:start', phase, at: T0 });
      events.push({ type: 'phase:done', phase, ok: true, durationMs: 100 });
    }
    events.push({ type: 'phase:start', phase: 'workers', at: T0 });
    events.push({ type: 'phase:hosts', phase: 'workers', hosts });
    for (const h of hosts.slice(0, 8))
      events.push({ type: 'host:state', host: h, state: 'running', detail: 'joining as worker', at: T0 });
    const lines = layoutFrame(modelOf(events), { now: T0 + 1000, width: 200, height: 10 });
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe('✔ preflight 100ms · ✔ init 100ms · ✔ tokens 100ms · ✔ managers 100ms');
    expect(lines[1]).toMatch(/^. workers 1\.0s {2}0\/30 hosts$/);
    expect(lines.at(-2)).toBe('+25 more (3 active, 22 waiting)');
    expect(lines.at(-1)).toMatch(/0\/30 hosts/);
  });

  it('60 columns and long names or errors: every line is cut to the width, never wrapped', () => {
    const long = 'jetson-agx-xavier-rack-07-slot-12.lab.example.org';
    const hosts = [long, 'spark'];
    const model = modelOf([
      { type: 'run:start', command: 'up', hosts, at: T0 },
      { type: 'phase:start', phase: 'managers with a rather long phase title for a narrow screen', at: T0 },
      { type: 'host:state', host: long, state: 'running', detail: 'joining as manager', at: T0 },
      {
        type: 'host:done',
        host: 'spark',
        ok: false,
        failure: 'connect',
        error: 'x'.repeat(300),
        durationMs: 1,
      },
    ]);
    const lines = layoutFrame(model, { now: T0 + 61_000, width: 60, height: 24 });
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(59);
    expect(lines.filter((l) => l.endsWith('…'))).toHaveLength(3);
    expect(hostLineOf(lines, long.slice(0, 24))).toHaveLength(0);
    expect(lines.some((l) => l.startsWith(long))).toBe(true);
    // The counts survive: the bar shrinks (or goes) before any of them is cut.
    expect(lines.at(-1)).toMatch(/1\/2 hosts {2}0 ok 1 failed {2}1 active {2}1m01s {2}ETA 1m01s$/);
  });

  it('a run without phases (exec, backup) shows every host with its state, as the exec view did', () => {
    const model = modelOf([
      { type: 'run:start', command: 'exec', hosts: ['a', 'b'], at: T0 },
      { type: 'host:state', host: 'a', state: 'running', at: T0 + 100 },
      { type: 'host:progress', host: 'b', done: 2048, total: 4096, unit: 'bytes' },
    ]);
    const lines = layoutFrame(model, { now: T0 + 1100, width: 120, height: 24 });
    expect(lines[0]).toMatch(/^a +running +1\.0s$/);
    expect(lines[1]).toMatch(/^b +waiting +█{10}░{10} 2\.0 KiB\/4\.0 KiB /);
    expect(lines[2]).toMatch(/0\/2 hosts .*1 active/);
  });
});

describe('text width', () => {
  it('counts columns, not escapes; wide characters take two; cutting keeps the escapes and resets', () => {
    expect(visibleWidth('\x1b[32mok\x1b[39m')).toBe(2);
    expect(visibleWidth('節点')).toBe(4);
    expect(truncateToWidth('\x1b[31mabcdef\x1b[39m', 4)).toBe('\x1b[31mabc…\x1b[0m');
    expect(visibleWidth(truncateToWidth('節点節点', 5))).toBeLessThanOrEqual(5);
  });
});

describe('chooseViewMode', () => {
  it('a terminal that reports 0 columns gets the plain view; NO_COLOR too; json none', () => {
    expect(chooseViewMode(false, {}, { isTTY: true, columns: 0 })).toBe('plain');
    expect(chooseViewMode(false, {}, { isTTY: true, columns: 60 })).toBe('tty');
    expect(chooseViewMode(false, { NO_COLOR: '1' }, { isTTY: true, columns: 60 })).toBe('plain');
    expect(chooseViewMode(false, {}, { isTTY: false, columns: 60 })).toBe('plain');
    expect(chooseViewMode(true, {}, { isTTY: true, columns: 60 })).toBe('none');
  });
});
