/**
 * `fleet push` over worker threads. ssh2 frames, pads and encrypts every ≤32 KiB packet on the thread
 * that owns the connection, so one thread sending to many hosts uses one core however many the client
 * has (the scp-based peers run one ssh process per host). Here the hosts are split round-robin between
 * worker threads (ops/push/worker.ts), each with its own SSH pool running the same pushToHost; the main
 * thread relays: events onto the bus, passphrase/password prompts to the session's prompt, Ctrl-C to
 * the workers, and puts the host rows back in the order of `hosts`.
 *
 * A worker starts from dist/js/ops/push/worker.js beside this file, or in the single binary from the
 * embedded bundle `push-worker.cjs` (scripts/build-binary.mjs). Under tsx/vitest (TypeScript sources)
 * none can start and push stays on the main thread.
 */
import { Worker } from 'node:worker_threads';
import { seaModule } from '../../adapters/remote-scripts.js';
import type { SshSettings } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { TransferHostReport } from '../../core/transfer-report.js';
import type { PushPlan } from '../../core/transfer-plan.js';
import type { EventBus, FleetEvent } from '../../runtime/events.js';
import { finishHost, NO_COUNTS } from '../shared/transfer.js';
import type { FromWorker, ToWorker, WorkerStart } from './thread-messages.js';

export const WORKER_ASSET = 'push-worker.cjs';

/** Whether push workers can start here (not from TypeScript sources under tsx/vitest). */
export function pushWorkersAvailable(): boolean {
  return seaModule()?.isSea() === true || import.meta.url.endsWith('.js');
}

function startPushWorker(): Worker {
  const sea = seaModule();
  if (sea?.isSea()) return new Worker(sea.getAsset(WORKER_ASSET, 'utf8'), { eval: true });
  return new Worker(new URL('./worker.js', import.meta.url));
}

export interface ThreadedPush {
  hosts: HostTarget[];
  threads: number;
  /** Hosts at once across all threads. */
  concurrency: number;
  plan: PushPlan;
  options: WorkerStart['options'];
  settings: SshSettings;
  bus: EventBus;
  signal: AbortSignal;
}

/** Indexes of `items` per thread, round-robin (a sorted host list spreads evenly); no empty share. */
export function shares(count: number, threads: number): number[][] {
  const out: number[][] = Array.from({ length: Math.max(1, Math.min(threads, count)) }, () => []);
  for (let i = 0; i < count; i++) out[i % out.length]!.push(i);
  return out;
}

/** Each question to the terminal once and one at a time, whichever thread asks. */
function secretAsker(ask: SshSettings['askSecret']): (prompt: string) => Promise<string | undefined> {
  const answered = new Map<string, Promise<string | undefined>>();
  let queue: Promise<unknown> = Promise.resolve();
  return (prompt) => {
    let answer = answered.get(prompt);
    if (!answer) {
      answer = queue.then(() => ask?.(prompt));
      queue = answer.catch(() => undefined);
      answered.set(prompt, answer);
    }
    return answer;
  };
}

export async function pushInThreads(o: ThreadedPush): Promise<TransferHostReport[]> {
  const rows: TransferHostReport[] = new Array<TransferHostReport>(o.hosts.length);
  const { askSecret, warn: _warn, ...settings } = o.settings;
  const ask = secretAsker(askSecret);
  // Each worker reads the same key files and known_hosts: a warning about one is shown once.
  const warned = new Set<string>();
  const relay = (event: FleetEvent): void => {
    if (event.type === 'log' && event.level === 'warn' && event.host === undefined) {
      if (warned.has(event.message)) return;
      warned.add(event.message);
    }
    o.bus.emit(event);
  };
  const perThread = shares(o.hosts.length, o.threads);
  const concurrency = Math.max(1, Math.ceil(o.concurrency / perThread.length));
  await Promise.all(
    perThread.map(async (indexes) => {
      const hosts = indexes.map((i) => o.hosts[i]!);
      const start: WorkerStart = {
        type: 'start',
        hosts,
        plan: o.plan,
        concurrency,
        settings,
        canAskSecret: askSecret !== undefined,
        options: o.options,
      };
      const started = Date.now();
      const got = await runWorker(start, o.signal, relay, ask).catch((err: unknown) =>
        hosts.map((h) => finishHost(o.bus, h, started, NO_COUNTS, { error: err })),
      );
      got.forEach((row, k) => (rows[indexes[k]!] = row));
    }),
  );
  return rows;
}

function runWorker(
  start: WorkerStart,
  signal: AbortSignal,
  relay: (event: FleetEvent) => void,
  ask: (prompt: string) => Promise<string | undefined>,
): Promise<TransferHostReport[]> {
  return new Promise((resolve, reject) => {
    const worker = startPushWorker();
    const send = (m: ToWorker): void => worker.postMessage(m);
    const onAbort = (): void => send({ type: 'abort' });
    let rows: TransferHostReport[] | undefined;
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'event') relay(m.event);
      else if (m.type === 'done') {
        // Its pool is closed: nothing is left for it to do, whether or not it has ended yet.
        rows = m.rows;
        void worker.terminate();
      } else
        void ask(m.prompt).then(
          (answer) => send({ type: 'secret', id: m.id, answer }),
          () => send({ type: 'secret', id: m.id }),
        );
    });
    let failure: unknown;
    worker.on('error', (err) => (failure = err));
    worker.on('exit', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (rows) return resolve(rows);
      reject(
        new FleetError('internal', `a push worker thread stopped (exit ${code}) before its hosts were done`, {
          cause: failure,
          hint: failure instanceof Error ? failure.message : undefined,
        }),
      );
    });
    send(start);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
