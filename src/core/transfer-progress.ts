/**
 * Progress math for transfers: the overall bytes done/total over every host, throughput and ETA.
 * Pure, so the live views (tty overall bar) and tests share one computation.
 */
export interface ByteCount {
  done: number;
  total?: number;
}

export interface OverallProgress {
  done: number;
  total: number;
  /** 0..1; 0 when nothing is known yet. */
  fraction: number;
  /** Bytes per second since the start; 0 before any time has passed. */
  rate: number;
  /** Milliseconds left at the current rate; undefined while unknown (no bytes yet, or done). */
  etaMs?: number;
}

/** Sums hosts that announced a total; hosts without one count their done bytes only. */
export function overallProgress(hosts: Iterable<ByteCount>, elapsedMs: number): OverallProgress {
  let done = 0;
  let total = 0;
  for (const h of hosts) {
    done += h.done;
    total += h.total ?? h.done;
  }
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const left = total - done;
  const etaMs = rate > 0 && left > 0 ? (left / rate) * 1000 : undefined;
  return { done, total, fraction, rate, etaMs };
}

/**
 * Whether a new progress event is worth sending: at most every `everyMs`, but always the last one
 * (done === total), so views never stop short of 100 %.
 */
export function shouldReport(
  lastAt: number,
  now: number,
  done: number,
  total: number,
  everyMs = 100,
): boolean {
  return done >= total || now - lastAt >= everyMs;
}
