/**
 * ssh_config ProxyCommand: the command runs locally (`sh -c 'exec …'`, as OpenSSH does) and its
 * stdin/stdout become the SSH transport. Its stderr is kept (bounded) so a failing proxy explains
 * itself in the connect error; the process dies with the connection.
 */
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

/** Enough of the proxy's stderr for an error message (`nc: connect to … failed`), never more. */
const STDERR_KEEP = 2048;

export interface ProxyCommandSocket {
  sock: Duplex;
  /** The proxy's stderr so far (last STDERR_KEEP bytes) and how it ended, for error messages. */
  describe(): string;
  /** Resolves once the proxy has exited (its stderr read), or after `ms`. */
  exited(ms: number): Promise<void>;
  kill(): void;
}

export function spawnProxyCommand(command: string): ProxyCommandSocket {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let ended: string | undefined;
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
  });
  child.on('exit', (code, signal) => {
    ended = signal ? `killed by ${signal}` : `exited ${code ?? '?'}`;
  });
  child.on('error', (err) => {
    ended = `could not start: ${err.message}`;
  });
  // Writes after the proxy died must not crash fleet (EPIPE on stdin).
  child.stdin.on('error', () => undefined);
  const sock = Duplex.from({ readable: child.stdout, writable: child.stdin });
  sock.on('error', () => undefined);
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  sock.on('close', kill);
  // A proxy that exits ends the transport: without this, ssh2 would wait for its own timeout.
  child.on('close', () => sock.destroy());
  return {
    sock,
    describe: () => {
      const last = stderr.trim().split('\n').pop()?.trim();
      return [ended, last].filter(Boolean).join(': ') || 'running';
    },
    exited: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        void closed.then(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    kill,
  };
}
