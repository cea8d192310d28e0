/**
 * What the main thread and a push worker thread (ops/push/worker.ts) say to each other. Everything
 * here crosses postMessage (a structured clone in memory: secrets never reach argv, env or a file).
 */
import type { SshSettings } from '../../adapters/ssh/types.js';
import type { HostTarget } from '../../core/host.js';
import type { TransferHostReport } from '../../core/transfer-report.js';
import type { PushPlan } from '../../core/transfer-plan.js';
import type { FleetEvent } from '../../runtime/events.js';
import type { SendPlanOptions } from '../shared/push-files.js';

/** SshSettings without its callbacks (functions cannot be cloned): the worker makes its own. */
export type ThreadSshSettings = Omit<SshSettings, 'askSecret' | 'warn'>;

export interface WorkerStart {
  type: 'start';
  hosts: HostTarget[];
  plan: PushPlan;
  concurrency: number;
  settings: ThreadSshSettings;
  /** The main thread can prompt for a passphrase or password (a terminal): the worker asks it to. */
  canAskSecret: boolean;
  /** sendPlan's options but the bus and the signal, which each worker has of its own. */
  options: Omit<SendPlanOptions, 'bus' | 'signal'>;
}

export type ToWorker = WorkerStart | { type: 'abort' } | { type: 'secret'; id: number; answer?: string };

export type FromWorker =
  | { type: 'event'; event: FleetEvent }
  | { type: 'ask-secret'; id: number; prompt: string }
  | { type: 'done'; rows: TransferHostReport[] };
