/**
 * Finds SSH servers in exactly the IPv4 range given: a TCP connect to port 22 with a short timeout,
 * confirmed by the server's `SSH-` banner, with bounded concurrency. Nothing outside the range is
 * ever contacted; the range itself is parsed in core/cidr.ts.
 */
import net from 'node:net';
import { forEachHost } from '../../runtime/for-each-host.js';

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
  const found = await forEachHost(addresses, { concurrency: options.concurrency }, async (ip) =>
    options.signal?.aborted ? false : probeSsh(ip, options.port, options.timeoutMs),
  );
  return addresses.filter((_, i) => found[i]);
}
