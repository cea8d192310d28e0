/**
 * Room in the machine's ARP table for a lab's swarm. The kernel keeps one neighbour table for every
 * network namespace together, and its limit (net.ipv4.neigh.default.gc_thresh3, 1024 by default) is
 * the machine's, only settable from the initial namespace. Swarm nodes gossip in a full mesh, so 50
 * lab hosts need ~2,450 entries: past the limit the kernel logs "neighbor table overflow", a join's
 * connect to a manager fails with "no route to host", and Docker answers 503 "Timeout was reached
 * before node joined" (what stranded agx-38 in a 50-host bench:up). Real hosts each have their own
 * table; the lab only gives its one machine the room 50 real hosts would have between them.
 */
import { promises as fs } from 'node:fs';

const DIR = '/proc/sys/net/ipv4/neigh/default';
/** gc_thresh1..3 for up to ~180 swarm nodes in a full mesh; only ever raised, never lowered. */
const WANTED = { gc_thresh1: 8192, gc_thresh2: 16384, gc_thresh3: 32768 } as const;

export async function ensureNeighbourRoom(): Promise<void> {
  // thresh3 first: the kernel refuses thresh2 above thresh3 on some versions.
  for (const name of ['gc_thresh3', 'gc_thresh2', 'gc_thresh1'] as const) {
    const file = `${DIR}/${name}`;
    const now = Number((await fs.readFile(file, 'utf8')).trim());
    if (now < WANTED[name]) await fs.writeFile(file, `${WANTED[name]}\n`);
  }
}
