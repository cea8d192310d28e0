/** runtime/session.ts (a session that outlives one operation) and runtime/change-gate.ts. */
import { describe, expect, it } from 'vitest';
import type { SshSettings } from '../../src/adapters/ssh/types.js';
import { createChangeGate } from '../../src/runtime/change-gate.js';
import { EventBus, type FleetEvent } from '../../src/runtime/events.js';
import { openSession } from '../../src/runtime/session.js';
import { scriptedAsker } from '../../src/runtime/types.js';

const ssh: SshSettings = {
  connectTimeoutMs: 1000,
  hostKeyPolicy: 'strict',
  knownHostsFiles: [],
  maxConcurrentHandshakes: 1,
  retries: 0,
  retryDelayMs: 0,
  maxChannelsPerConnection: 1,
};

function record(bus: EventBus): FleetEvent[] {
  const events: FleetEvent[] = [];
  bus.subscribe((e) => events.push(e));
  return events;
}

describe('openSession', () => {
  it('gives each operation its own signal, aborted with its parent but not with its siblings', () => {
    const session = openSession({ ssh, ask: scriptedAsker({}) });
    const parent = new AbortController();
    const a = session.begin({ signal: parent.signal });
    const b = session.begin();
    b.abort();
    expect(b.signal.aborted).toBe(true);
    expect(a.signal.aborted).toBe(false);
    parent.abort();
    expect(a.signal.aborted).toBe(true);
    const late = session.begin({ signal: parent.signal });
    expect(late.signal.aborted).toBe(true);
  });

  it('turns SSH warnings into bus events and hands the asker and sudo password to every operation', () => {
    const ask = scriptedAsker({ restore: true });
    const session = openSession({ ssh, ask, sudoPassword: 'pw' });
    const events = record(session.bus);
    session.settings.warn?.('ssh_config: unknown option', 'agx-01');
    expect(events).toEqual([
      { type: 'log', level: 'warn', message: 'ssh_config: unknown option', host: 'agx-01' },
    ]);
    expect(ssh.warn).toBeUndefined();
    const rt = session.begin();
    expect(rt.ask).toBe(ask);
    expect(rt.sudoPassword).toBe('pw');
    expect(rt.bus).toBe(session.bus);
  });

  it('runs the force-exit hook (the latest one) and swallows its errors', () => {
    const session = openSession({ ssh, ask: scriptedAsker({}) });
    const rt = session.begin();
    rt.forceExit(); // no hook: nothing happens
    const calls: string[] = [];
    rt.onForceExit(() => calls.push('first'));
    rt.onForceExit(() => {
      calls.push('second');
      throw new Error('disk full');
    });
    expect(() => rt.forceExit()).not.toThrow();
    expect(calls).toEqual(['second']);
  });

  it('closes the pool when a CLI operation releases it, keeps it for the next one in a long-lived session', async () => {
    const cli = openSession({ ssh, ask: scriptedAsker({}) });
    const one = cli.begin();
    const first = await one.pool();
    expect(await one.pool()).toBe(first);
    await one.releasePool();
    expect(await cli.begin().pool()).not.toBe(first);
    await cli.close();

    const server = openSession({ ssh, ask: scriptedAsker({}), keepPoolBetweenOperations: true });
    const op1 = server.begin();
    const shared = await op1.pool();
    await op1.end();
    const op2 = server.begin();
    expect(await op2.pool()).toBe(shared);
    await server.close();
    expect(await server.begin().pool()).not.toBe(shared);
    await server.close();
  });

  it('writes reports through the injected writer', async () => {
    const written: string[] = [];
    const session = openSession({
      ssh,
      ask: scriptedAsker({}),
      writeReport: (command) => {
        written.push(command);
        return Promise.resolve(`/tmp/${command}.json`);
      },
    });
    expect(await session.begin().writeReport('exec', {}, new Date())).toBe('/tmp/exec.json');
    expect(written).toEqual(['exec']);
  });
});

describe('createChangeGate', () => {
  it('records and announces every change; a dry run does not act', async () => {
    const bus = new EventBus();
    const events = record(bus);
    const dry = createChangeGate(bus, true);
    let acted = 0;
    expect(await dry.change('agx-01', 'join as worker', () => Promise.resolve(++acted))).toBeUndefined();
    expect(acted).toBe(0);
    const real = createChangeGate(bus, false);
    expect(await real.change(undefined, 'create network', () => Promise.resolve(++acted))).toBe(1);
    expect(dry.changes).toEqual([{ host: 'agx-01', description: 'join as worker' }]);
    expect(real.changes).toEqual([{ host: undefined, description: 'create network' }]);
    expect(events).toEqual([
      { type: 'change', host: 'agx-01', description: 'join as worker', dryRun: true },
      { type: 'change', host: undefined, description: 'create network', dryRun: false },
    ]);
  });
});
