/**
 * The one fan-out: every per-host (or per-address) loop runs through here, so the concurrency limit
 * and the result order are decided in one place.
 */
import pLimit from 'p-limit';

/**
 * Runs `work` for every item with at most `concurrency` at once; results in input order (as the
 * Promise.all(map(limit)) copies did). Work functions catch their own per-host errors, as today; a throw
 * rejects the whole call (same as today). Items need not be hosts (discover scans addresses with it).
 */
export async function forEachHost<T, R>(
  items: readonly T[],
  options: {
    concurrency: number;
    /**
     * Receives, before any work starts, a setter for the bound while the fan-out runs: raised, the
     * queued items start at once (up's early worker joins widen to --concurrency this way).
     */
    resize?: (setConcurrency: (concurrency: number) => void) => void;
  },
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  options.resize?.((n) => (limit.concurrency = Math.max(1, n)));
  return Promise.all(items.map((item, index) => limit(() => work(item, index))));
}
