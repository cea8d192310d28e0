/** What every remote step of the swarm backup/restore procedures needs (swarm.ts, swarm-job.ts). */
import type { SshConnection } from '../../adapters/ssh/types.js';
import type { EventBus } from '../../runtime/events.js';

export interface RemoteContext {
  conn: SshConnection;
  host: string;
  bus: EventBus;
  signal: AbortSignal;
  sudo: boolean;
  sudoPassword?: string;
  /** How long Docker may take to come back (engine up, unlocked, Reachable). */
  waitTimeoutMs: number;
}
