/**
 * How many threads `fleet push` spreads its hosts over (ops/push/threads.ts): ssh2 encrypts on the
 * thread that owns a connection, so one thread uses one core for every host's bytes.
 */
import { FleetError } from './errors.js';

/**
 * Below this many bytes in all (hosts × bytes each) the main thread alone. A worker's start (a new
 * isolate loading fleet's modules and ssh2) measured ~0.3-0.4 s of CPU (3 hosts, 4 MiB each, load
 * ~25, both the npm CLI and the single binary), while the client spends ~6 ms of CPU per MB sent
 * (bench/results/push.md): a second thread pays for itself from roughly 120 MB on.
 */
export const THREADS_MIN_BYTES = 128 * 1024 * 1024;
/** More threads than this gain nothing measurable: the hosts' side then decides. */
export const MAX_PUSH_THREADS = 4;

export interface ThreadChoice {
  /** Cores the client may use (os.availableParallelism()). */
  cpus: number;
  hosts: number;
  /** File bytes each host is sent at most (before skipping what it already has). */
  bytesPerHost: number;
  /** FLEET_PUSH_THREADS: an explicit count wins (1 = the main thread only). */
  requested?: number;
}

export function pushThreadCount(o: ThreadChoice): number {
  if (o.requested !== undefined) return Math.max(1, Math.min(o.requested, o.hosts));
  if (o.cpus < 2 || o.hosts < 2 || o.hosts * o.bytesPerHost < THREADS_MIN_BYTES) return 1;
  return Math.min(o.cpus, o.hosts, MAX_PUSH_THREADS);
}

/** FLEET_PUSH_THREADS's value: a whole number from 1 to 64, or unset. */
export function parsePushThreads(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new FleetError('usage', `FLEET_PUSH_THREADS="${value}" must be a whole number from 1 to 64`, {
      hint: 'unset it to let fleet pick (one thread per core for large pushes), or 1 for the main thread only',
    });
  }
  return n;
}
