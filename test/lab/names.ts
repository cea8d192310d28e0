/**
 * Every name the lab creates derives from its id, so a later run (or cleanupAll) can find and remove
 * leftovers of a crashed run without any state file: netns `fl-<id>-<host>`, links `fl-<id>-<n>` and
 * bridge `fl-<id>-br` (interface names are capped at 15 characters), folder <LAB_ROOT>/<id>.
 */
import { LabError } from './proc.js';

export const LAB_ROOT = process.env.FLEET_LAB_ROOT ?? '/tmp/fleet-lab';
export const PREFIX = 'fl-';
export const MAX_HOSTS = 253;

export const labDir = (id: string): string => `${LAB_ROOT}/${id}`;
export const netnsName = (id: string, host: string): string => `${PREFIX}${id}-${host}`;
export const bridgeName = (id: string): string => `${PREFIX}${id}-br`;
export const vethName = (id: string, index: number): string => `${PREFIX}${id}-${index}`;
export const hostIp = (subnet: number, index: number): string => `10.77.${subnet}.${index + 2}`;
export const gatewayIp = (subnet: number): string => `10.77.${subnet}.1`;

export function validateId(id: string): void {
  if (!/^[a-z0-9]{1,6}$/.test(id)) throw new LabError(`lab: id '${id}' must match [a-z0-9]{1,6}`);
}

export function validateSubnet(subnet: number): void {
  if (!Number.isInteger(subnet) || subnet < 1 || subnet > 250) {
    throw new LabError(`lab: subnet ${subnet} must be an integer 1..250 (10.77.<subnet>.0/24)`);
  }
}

export function validateHostName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) {
    throw new LabError(`lab: host name '${name}' must match [a-z0-9][a-z0-9-]{0,40}`);
  }
}

export function defaultType(name: string): string {
  if (name.startsWith('spark')) return 'dgx-spark';
  if (name.startsWith('agx-')) return 'jetson-agx-xavier';
  if (name.startsWith('pi')) return 'raspberry-pi';
  return 'x86';
}
