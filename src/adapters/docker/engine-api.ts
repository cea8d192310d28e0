/**
 * What the per-resource request functions (system, swarm, nodes, networks, volumes) get from the
 * engine: dockerode, its host, the one `call` that queues and times every request (`get` for plain
 * reads without dockerode), and the raw
 * requester for the calls dockerode cannot make (see raw-request.ts). Its own file so the resource
 * files and engine.ts do not import each other.
 */
import type Dockerode from 'dockerode';
import type { RawRequester } from './raw-request.js';

export interface EngineApi {
  readonly docker: Dockerode;
  readonly host: string;
  /**
   * A plain GET of `/v{api}{path}` (path may carry a query) answered as JSON without dockerode, with
   * the same channel cap, deadline, Ctrl-C and error mapping as `call`: the reads `fleet status`
   * makes, so its process never loads dockerode.
   */
  get(path: string, signal?: AbortSignal): Promise<unknown>;
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
