/**
 * The lab bench:up and bench:up-phases form their swarms on (id bup, subnet 21): spark and
 * agx-01… for the largest size asked, so every size runs on one lab per profile.
 */
import { startLab, type Lab, type LabProfile } from '../../test/lab/index.js';

/** spark and the first `size - 1` agx hosts of the up benches' lab. */
export function upHostNames(size: number): string[] {
  return ['spark', ...Array.from({ length: size - 1 }, (_, i) => `agx-${String(i + 1).padStart(2, '0')}`)];
}

/** Starts the up benches' lab with enough hosts for the largest of `sizes`. */
export function startUpLab(sizes: number[], profile: LabProfile): Promise<Lab> {
  return startLab({
    id: 'bup',
    subnet: 21,
    hosts: upHostNames(Math.max(...sizes)).map((name) => ({ name })),
    profile,
  });
}
