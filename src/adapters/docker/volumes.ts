/** Volume requests (backup/restore): a volume's mountpoint, creating a volume that is gone. */
import { FleetError } from '../../core/errors.js';
import type { RawRequester } from './raw-request.js';

/** GET /volumes/{name}: its Mountpoint, or undefined when the volume does not exist. */
export async function volumeMountpoint(raw: RawRequester, name: string): Promise<string | undefined> {
  const out = (await raw.request('GET', `/volumes/${encodeURIComponent(name)}`, undefined, true)) as
    { Mountpoint?: string } | undefined;
  return out?.Mountpoint || undefined;
}

/** POST /volumes/create (restore into a host where the volume is gone); returns its mountpoint. */
export async function createVolume(raw: RawRequester, name: string): Promise<string> {
  const out = (await raw.request('POST', '/volumes/create', { Name: name })) as { Mountpoint?: string };
  if (!out?.Mountpoint)
    throw new FleetError('docker', `created volume ${name} but it has no mountpoint`, { host: raw.host });
  return out.Mountpoint;
}
