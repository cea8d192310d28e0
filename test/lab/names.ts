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

/**
 * FLEET_LAB_SLOT=1..8 lets several checkouts run their lab tests at the same time on one machine:
 * each lab id gets the slot digit appended and its subnet moves up by 25 per slot, so two checkouts
 * running the same test file never share (or clean up) each other's namespaces, links or folders.
 * Unset (CI, the demo), ids and subnets are used as written.
 */
export const LAB_SLOT = Number(process.env.FLEET_LAB_SLOT ?? 0);
if (!Number.isInteger(LAB_SLOT) || LAB_SLOT < 0 || LAB_SLOT > 8) {
  throw new LabError(`lab: FLEET_LAB_SLOT='${process.env.FLEET_LAB_SLOT}' must be an integer 0..8`);
}
export const slottedId = (id: string): string =>
  LAB_SLOT > 0 && !id.endsWith(`s${LAB_SLOT}`) ? `${id}s${LAB_SLOT}` : id;
export const slottedSubnet = (subnet: number): number => subnet + 25 * LAB_SLOT;

export function validateId(id: string): void {
  if (!/^[a-z0-9]{1,8}$/.test(id)) throw new LabError(`lab: id '${id}' must match [a-z0-9]{1,8}`);
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
