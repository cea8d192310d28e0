/** Memory use of lab hosts (for `npm run lab -- status` and the numbers in the lab's docs). */
import { promises as fs } from 'node:fs';
import type { LabHost } from './types.js';

/** PSS in KiB of every process whose pid namespace is the host's (its init included). */
export async function hostPssKiB(hosts: LabHost[]): Promise<Map<string, number>> {
  const byNs = new Map<string, string>();
  for (const h of hosts) {
    const ns = await fs.readlink(`/proc/${h.pid}/ns/pid`).catch(() => '');
    if (ns) byNs.set(ns, h.name);
  }
  const totals = new Map<string, number>(hosts.map((h) => [h.name, 0]));
  for (const e of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const ns = await fs.readlink(`/proc/${e}/ns/pid`).catch(() => '');
    const name = byNs.get(ns);
    if (!name) continue;
    const rollup = await fs.readFile(`/proc/${e}/smaps_rollup`, 'utf8').catch(() => '');
    const m = /^Pss:\s+(\d+) kB/m.exec(rollup);
    if (m) totals.set(name, (totals.get(name) ?? 0) + Number(m[1]));
  }
  return totals;
}
