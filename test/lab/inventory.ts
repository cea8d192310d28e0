/** nodes.yml for a lab, in the inventory format fleet reads (flow-style entries, one per line). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabError } from './proc.js';
import type { LabHost } from './types.js';

export function inventoryYaml(hosts: LabHost[]): string {
  const lines = ['defaults: { user: root, port: 22 }', 'nodes:'];
  for (const h of hosts) {
    const role = h.role ? `, role: ${h.role}` : '';
    lines.push(`  - { id: ${h.name}, name: ${h.name}, ip: ${h.ip}, type: ${h.type}${role} }`);
  }
  return `${lines.join('\n')}\n`;
}

export function writeInventoryFile(path: string, all: LabHost[], names?: string[]): string {
  let hosts = all;
  if (names) {
    const byName = new Map(all.map((h) => [h.name, h]));
    hosts = names.map((n) => {
      const h = byName.get(n);
      if (!h) throw new LabError(`lab: writeInventory: no host '${n}' in this lab`);
      return h;
    });
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, inventoryYaml(hosts));
  return path;
}
