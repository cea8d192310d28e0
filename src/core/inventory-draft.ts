/** The draft nodes.yml `fleet discover` writes: ids from hostnames, types from facts, for review. */
import { stringify } from 'yaml';

export interface DiscoveredHost {
  ip: string;
  user: string;
  port: number;
  hostname?: string;
  type?: string;
  /** Why facts are missing (auth refused, no shell…): the host is written commented out. */
  error?: string;
}

function slug(hostname: string): string {
  const s = hostname
    .toLowerCase()
    .replace(/\..*$/, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'host';
}

export function draftInventory(hosts: DiscoveredHost[], header: string): string {
  const used = new Set<string>();
  const nodes: Record<string, unknown>[] = [];
  const skipped: string[] = [];
  const sorted = [...hosts].sort((a, b) =>
    (a.hostname ?? a.ip).localeCompare(b.hostname ?? b.ip, 'en', { numeric: true }),
  );
  for (const h of sorted) {
    if (h.error) {
      skipped.push(`#   ${h.ip}: ${h.error}`);
      continue;
    }
    let id = slug(h.hostname ?? h.ip.replace(/\./g, '-'));
    for (let n = 2; used.has(id); n++) id = `${slug(h.hostname ?? 'host')}-${n}`;
    used.add(id);
    const node: Record<string, unknown> = { id, ip: h.ip };
    if (h.type) node.type = h.type;
    if (h.user !== 'root') node.user = h.user;
    if (h.port !== 22) node.port = h.port;
    nodes.push(node);
  }
  const lines = [header, stringify({ nodes }).trimEnd()];
  if (skipped.length > 0)
    lines.push('', '# SSH answered but fleet could not log in or read facts:', ...skipped);
  return lines.join('\n') + '\n';
}
