/**
 * A worker thread of `fleet push` (started by ops/push/threads.ts): its share of the hosts through
 * its own SSH pool and the same per-host machinery as the main thread (pushToHost). Host keys are
 * checked by the same code against the same known_hosts files and policy; its events, passphrase
 * prompts and host rows go to the main thread as messages.
 */
import { parentPort } from 'node:worker_threads';
import { createSshPool } from '../../adapters/ssh/pool.js';
import { EventBus } from '../../runtime/events.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import { pushToHost } from '../shared/push-host.js';
import type { FromWorker, ToWorker, WorkerStart } from './thread-messages.js';

const port = parentPort;
if (port) {
  const post = (message: FromWorker): void => port.postMessage(message);
  const abort = new AbortController();
  const answers = new Map<number, (answer: string | undefined) => void>();
  let asked = 0;
  const askSecret = (prompt: string): Promise<string | undefined> =>
    new Promise((resolve) => {
      const id = ++asked;
      answers.set(id, resolve);
      post({ type: 'ask-secret', id, prompt });
    });

  const start = async (m: WorkerStart): Promise<void> => {
    const bus = new EventBus();
    bus.subscribe((event) => post({ type: 'event', event }));
    const pool = createSshPool(
      {
        ...m.settings,
        warn: (message, host) => bus.log('warn', message, host),
        askSecret: m.canAskSecret ? askSecret : undefined,
      },
      bus,
    );
    // The clone made Uint8Arrays of the kept small files' Buffers.
    for (const e of m.plan.entries) {
      if (e.content) e.content = Buffer.from(e.content.buffer, e.content.byteOffset, e.content.byteLength);
    }
    let rows;
    try {
      rows = await forEachHost(m.hosts, { concurrency: m.concurrency }, (host) =>
        pushToHost(host, { ...m.options, plan: m.plan, pool, bus, signal: abort.signal }),
      );
    } finally {
      await pool.closeAll();
    }
    post({ type: 'done', rows });
    port.close();
  };

  port.on('message', (m: ToWorker) => {
    if (m.type === 'start') void start(m);
    else if (m.type === 'abort') abort.abort();
    else {
      answers.get(m.id)?.(m.answer);
      answers.delete(m.id);
    }
  });
}
