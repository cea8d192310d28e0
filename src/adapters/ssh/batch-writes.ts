/**
 * ssh2 writes every SSH packet to its socket on its own, and a channel's data goes out in packets of
 * at most 32 KiB (sshd's maximum for a session channel): pushing 50 MB is ~1,600 socket writes per
 * host, each its own system call and, on a veth or loopback link, its own trip through the TCP stack
 * (without ssh2's native add-on, as in the single binary, a packet is even three writes). Corking the
 * socket until the current tick ends sends everything written in one turn of the event loop as one
 * writev: same bytes, same order, flushed before the event loop polls again, so no added latency.
 */
import type { Writable } from 'node:stream';
import type { Client } from 'ssh2';

export function batchSocketWrites(client: Client): void {
  // ssh2 keeps its transport in `_sock` (a net.Socket, or the ProxyJump/ProxyCommand stream).
  const sock = (client as unknown as { _sock?: Writable })._sock;
  if (!sock || typeof sock.cork !== 'function' || typeof sock.uncork !== 'function') return;
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  const flush = (): void => {
    corked = false;
    sock.uncork();
  };
  sock.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(flush);
    }
    return write(...args);
  }) as Writable['write'];
}
