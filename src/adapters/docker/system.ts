/** System requests: GET /info (without dockerode: `fleet status` asks every host). */
import type { EngineApi } from './engine-api.js';
import { parseInfo } from './parse.js';
import type { EngineInfo } from './types.js';

export async function info(api: EngineApi, signal?: AbortSignal): Promise<EngineInfo> {
  return parseInfo(await api.get('/info', signal));
}
