/**
 * One line of the live area: a host, or a service or task converging. Its own file so the row
 * makers (live-model.ts, converge.ts) do not import each other.
 */
import type { HostView } from './tally.js';

export type RowStatus = 'waiting' | 'active' | 'ok' | 'failed' | 'skipped';

/** One host line of the live area. */
export interface LiveRow {
  id: string;
  status: RowStatus;
  /** The step (`connecting`, `facts, docker`, `joining as worker`) or the host state. */
  label: string;
  detail?: string;
  startedAt?: number;
  endedAt?: number;
  bytes?: HostView['bytes'];
}
