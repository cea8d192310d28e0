/**
 * What the per-resource request functions (system, swarm, nodes, networks, volumes) get from the
 * engine: dockerode, its host, the one `call` that queues and times every request, and the raw
 * requester for the calls dockerode cannot make (see raw-request.ts). Its own file so the resource
 * files and engine.ts do not import each other.
 */
import type Dockerode from 'dockerode';
import type { RawRequester } from './raw-request.js';

export interface EngineApi {
  readonly docker: Dockerode;
  readonly host: string;
  /** One dockerode request: channel cap, deadline (default: the engine's), Ctrl-C, error mapping. */
  call<T>(
    action: string,
    signal: AbortSignal | undefined,
    fn: (signal: AbortSignal) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T>;
  /** The raw requester, opened on first use and closed with the engine. */
  raw(): RawRequester;
}
