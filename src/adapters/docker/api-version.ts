/** Which Engine API version fleet speaks to an engine: min(server, client max), never below the swarm API fleet needs. */
import { FleetError } from '../../core/errors.js';

/** The newest API version fleet is written against; older engines are spoken to in their version. */
export const CLIENT_MAX_API = '1.47';
/** Swarm mode with the fields fleet uses (node spec updates, attachable overlays). */
export const CLIENT_MIN_API = '1.25';

export function compareApi(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split('.').map(Number);
  const [bmaj = 0, bmin = 0] = b.split('.').map(Number);
  return amaj - bmaj || amin - bmin;
}

/** min(server, client max), refusing engines older than the swarm API fleet needs. */
export function negotiateApiVersion(serverApi: string, host: string): string {
  if (!/^\d+\.\d+$/.test(serverApi)) {
    throw new FleetError('docker', `engine reported an unreadable API version "${serverApi}"`, { host });
  }
  if (compareApi(serverApi, CLIENT_MIN_API) < 0) {
    throw new FleetError(
      'docker',
      `Docker API ${serverApi} is too old (fleet needs ${CLIENT_MIN_API} or newer)`,
      {
        host,
        hint: 'upgrade Docker on this host to 17.12 or newer',
      },
    );
  }
  return compareApi(serverApi, CLIENT_MAX_API) < 0 ? serverApi : CLIENT_MAX_API;
}
