/** frontends/cli/run-command.ts runWithCli: the CLI's session, view and Ctrl-C around one operation. */
import { describe, expect, it } from 'vitest';
import { runWithCli } from '../../src/frontends/cli/run-command.js';
import type { FleetEvent } from '../../src/runtime/events.js';

const ssh = { connectTimeout: 1, retries: 0, retryDelay: 0 };
const signals = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];

describe('runWithCli', () => {
  it('installs no Ctrl-C handler and opens no view with view: false, handleSignals: false', async () => {
    const before = signals();
    const result = await runWithCli(
      ssh,
      [],
      { view: false, handleSignals: false, onInterrupt: 'x' },
      (rt) => {
        expect(signals()).toEqual(before);
        expect(rt.signal.aborted).toBe(false);
        return Promise.resolve(42);
      },
    );
    expect(result).toBe(42);
  });

  it('the first Ctrl-C logs what happens next and aborts the run; the handlers go when it ends', async () => {
    const before = signals();
    const events: FleetEvent[] = [];
    await expect(
      runWithCli(ssh, [], { view: false, onInterrupt: 'stopping remote commands' }, async (rt) => {
        rt.bus.subscribe((e) => events.push(e));
        expect(signals()).toEqual([before[0]! + 1, before[1]! + 1]);
        process.emit('SIGINT');
        expect(rt.signal.aborted).toBe(true);
        throw new Error('stopped');
      }),
    ).rejects.toThrow('stopped');
    expect(events).toEqual([
      {
        type: 'log',
        level: 'warn',
        message: 'interrupted: stopping remote commands (Ctrl-C again to quit now)',
        host: undefined,
      },
    ]);
    expect(signals()).toEqual(before);
  });
});
