/** System requests: GET /info. */
import type { EngineApi } from './engine-api.js';
import { parseInfo } from './parse.js';
import type { EngineInfo } from './types.js';

export function info(api: EngineApi, signal?: AbortSignal): Promise<EngineInfo> {
  return api.call('GET /info', signal, async (signal) =>
    parseInfo(await api.docker.info({ abortSignal: signal } as never)),
  );
}
