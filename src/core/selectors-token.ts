/** Parsing of one `-n`/`-x` item and the unknown-name error, split out of selectors.ts. */
import { isIP } from 'node:net';
import { FleetError } from './errors.js';
import { foldHosts } from './host-range.js';
import type { Inventory } from './inventory-model.js';
import { closest } from './inventory-suggest.js';

export interface TargetToken {
  host: string;
  user?: string;
  port?: number;
  /** Written as ssh://…: a raw target even when an inventory is loaded. */
  explicit: boolean;
}

/** Splits `ssh://user@host:port`, `user@host`, `host:port`, `[v6]:port`, `v6` into parts. */
export function parseTargetToken(token: string): TargetToken {
  let rest = token;
  const explicit = rest.startsWith('ssh://');
  if (explicit) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1] as string;
    portText = bracketed[2];
  } else if (isIP(rest) !== 6) {
    const m = /^([^:]*):(\d+)$/.exec(rest);
    if (m) {
      host = m[1] as string;
      portText = m[2];
    }
  }
  if (host === '' || (user !== undefined && user === '')) {
    throw new FleetError('usage', `bad host "${token}"`, { hint: 'write [user@]host[:port]' });
  }
  const target: TargetToken = { host, explicit };
  if (user !== undefined) target.user = user;
  if (portText !== undefined) {
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new FleetError('usage', `bad port in "${token}": must be 1-65535`);
    target.port = port;
  }
  return target;
}

export function rawId(t: TargetToken): string {
  if (t.port === undefined) return t.host;
  return isIP(t.host) === 6 ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

export interface Unknowns {
  unknownNames: string[];
  unknownTags: string[];
}

/** `agx-16` next to `agx-[01-15]` is out of range, not a typo: "did you mean agx-06" would mislead. */
function shape(name: string): string {
  return name.replace(/\d+/g, '#');
}

export function unknownError(inventory: Inventory, flag: string, r: Unknowns): FleetError {
  const parts: string[] = [];
  if (r.unknownNames.length) parts.push(foldHosts(r.unknownNames));
  if (r.unknownTags.length) parts.push(r.unknownTags.join(','));
  const ids = inventory.nodes.map((n) => n.id);
  const tags = [...new Set(inventory.nodes.flatMap((n) => [...(n.type ? [n.type] : []), ...n.groups]))];
  const suggestions = [
    ...r.unknownNames
      .filter((u) => !ids.some((id) => shape(id) === shape(u)))
      .flatMap((u) => closest(u, ids)),
    ...r.unknownTags.flatMap((t) => closest(t.slice(1), tags).map((s) => `@${s}`)),
  ];
  const meant = suggestions.length ? `did you mean ${foldHosts(suggestions)}? ` : '';
  let known = foldHosts(ids);
  if (known.length > 120) known = `${known.slice(0, 120)}…`;
  const tagList = tags.length ? `; @types/@groups: ${tags.map((t) => `@${t}`).join(', ')}` : '';
  return new FleetError(
    'inventory',
    `${flag}: unknown host${parts.length > 1 || r.unknownNames.length > 1 ? 's' : ''} ${parts.join(', ')} (not in ${inventory.path})`,
    {
      hint: `${meant}known: ${known}${tagList}; use ssh://host for a machine outside ${inventory.path}`,
    },
  );
}
