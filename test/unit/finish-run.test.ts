/**
 * runtime/finish-run.ts, the one end of a reported run: the report is written also when the work
 * fails, after the pool (and the cluster lock with it) was released, its path is logged, and
 * run:done says how it went.
 */
import { describe, expect, it } from 'vitest';
import type { SshSettings } from '../../src/adapters/ssh/types.js';
import { FleetError } from '../../src/core/errors.js';
import type { FleetEvent } from '../../src/runtime/events.js';
import { finishRun, runReported } from '../../src/runtime/finish-run.js';
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

function runtime() {
  const order: string[] = [];
  const reports: { name: string; report: unknown }[] = [];
  const session = openSession({
    ssh,
    ask: scriptedAsker({}),
    writeReport: (name, report) => {
      order.push('report');
      reports.push({ name, report });
      return Promise.resolve(`/tmp/${name}.json`);
    },
  });
  const rt = session.begin();
  const release = rt.releasePool.bind(rt);
  rt.releasePool = async () => {
    order.push('release');
    await release();
  };
  const events: FleetEvent[] = [];
  session.bus.subscribe((e) => events.push(e));
  return { rt, order, reports, events };
}

describe('runReported', () => {
  it('writes the report from the error that stopped the work, after releasing the pool', async () => {
    const { rt, order, reports, events } = runtime();
    const out = await runReported(
      rt,
      { name: 'node-drain', onError: () => order.push('onError') },
      () => Promise.reject(new FleetError('quorum', 'refused: 2 managers')),
      (_at, error) => ({ error: error?.message ?? null, exit_code: error?.exitCode ?? 0 }),
    );
    expect(order).toEqual(['onError', 'release', 'report']);
    expect(reports).toEqual([{ name: 'node-drain', report: { error: 'refused: 2 managers', exit_code: 5 } }]);
    expect(out).toMatchObject({ reportPath: '/tmp/node-drain.json', error: { code: 'quorum' } });
    expect(events).toContainEqual({ type: 'log', level: 'info', message: 'report: /tmp/node-drain.json' });
    expect(events.at(-1)).toMatchObject({
      type: 'run:done',
      ok: false,
      interrupted: false,
      error: 'refused: 2 managers',
      exitCode: 5,
    });
  });

  it('a run that worked: ok, exit code 0, no error', async () => {
    const { rt, events } = runtime();
    const out = await runReported(
      rt,
      { name: 'service-scale' },
      () => Promise.resolve(),
      () => ({ exit_code: 0 }),
    );
    expect(out.error).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'run:done', ok: true, exitCode: 0 });
    expect(events.at(-1)).not.toHaveProperty('error');
  });
});

describe('finishRun', () => {
  it('lets the caller say what ok and interrupted mean (push/pull), and keep the error out of run:done', async () => {
    const { rt, events } = runtime();
    await finishRun(rt, {
      name: 'backup',
      report: {},
      startedAt: new Date(),
      error: new FleetError('storage', 'bucket gone'),
      ok: false,
      interrupted: true,
      durationMs: 1500,
      announceError: false,
    });
    expect(events.at(-1)).toEqual({ type: 'run:done', ok: false, durationMs: 1500, interrupted: true });
  });
});
