/**
 * Finds SSH servers in exactly the IPv4 range given: a TCP connect to port 22 with a short timeout,
 * confirmed by the server's `SSH-` banner, with bounded concurrency. Nothing outside the range is
 * ever contacted; ranges larger than a /16 need --force.
 */
import net from 'node:net';
import pLimit from 'p-limit';
import { FleetError } from '../../core/errors.js';

export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string, force = false): Cidr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!m || net.isIPv4(m[1]!) === false || Number(m[2] ?? 32) > 32) {
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

/** True when `ip:port` accepts a connection and speaks SSH within `timeoutMs`. */
export function probeSsh(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('data', (chunk: Buffer) => finish(chunk.toString('latin1').startsWith('SSH-')));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}

export async function scanSsh(
  addresses: string[],
  options: { port: number; timeoutMs: number; concurrency: number; signal?: AbortSignal },
): Promise<string[]> {
  const limit = pLimit(options.concurrency);
  const found = await Promise.all(
    addresses.map((ip) =>
      limit(async () => (options.signal?.aborted ? false : probeSsh(ip, options.port, options.timeoutMs))),
    ),
  );
  return addresses.filter((_, i) => found[i]);
}
