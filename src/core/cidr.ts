/**
 * IPv4 ranges for `fleet discover --cidr`: parsing (ranges larger than a /16 need --force) and the
 * host addresses of a range. Pure, so the rules are unit-testable without a network.
 */
import { FleetError } from './errors.js';

/** Same rule as node:net isIPv4 for dotted quads: each part 0-255, no leading zeros. */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string, force = false): Cidr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!m || !isIPv4(m[1]!) || Number(m[2] ?? 32) > 32) {
    throw new FleetError('usage', `--cidr "${text}" is not an IPv4 range like 10.77.14.0/24`);
  }
  const prefix = Number(m[2] ?? 32);
  if (prefix < 16 && !force) {
    throw new FleetError(
      'usage',
      `--cidr ${text} spans ${2 ** (32 - prefix)} addresses; ranges larger than /16 need --force`,
    );
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipToInt(m[1]!) & mask) >>> 0, prefix, size: 2 ** (32 - prefix) };
}

/** Host addresses of the range: network and broadcast addresses are skipped for prefixes up to /30. */
export function cidrHosts(c: Cidr): string[] {
  const out: string[] = [];
  const skipEdges = c.prefix <= 30;
  for (let i = 0; i < c.size; i++) {
    if (skipEdges && (i === 0 || i === c.size - 1)) continue;
    out.push(intToIp(c.base + i));
  }
  return out;
}

/** Whether `address` lies in the range. */
export function cidrContains(c: Cidr, address: string): boolean {
  if (!isIPv4(address)) return false;
  const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
  return (ipToInt(address) & mask) >>> 0 === c.base;
}

/**
 * The ranges a scan may touch, derived from addresses the user already gave (the inventory's): the
 * /`prefix` network of each IPv4 address, each once, in order. Names (not addresses) give no range.
 */
export function rangesAround(addresses: readonly string[], prefix = 24): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    if (!isIPv4(a)) continue;
    const c = parseCidr(`${a}/${prefix}`, true);
    const text = `${intToIp(c.base)}/${prefix}`;
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/** Whether range `inner` lies entirely inside one of `outer` (so a scan of it stays where allowed). */
export function rangeWithin(inner: string, outer: readonly string[]): boolean {
  const i = parseCidr(inner, true);
  return outer.some((o) => {
    const c = parseCidr(o, true);
    return i.prefix >= c.prefix && cidrContains(c, intToIp(i.base));
  });
}
