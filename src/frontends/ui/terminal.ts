/**
 * The page's terminal: a WebSocket (ws) joined to an interactive login shell on a PTY of the node
 * (ssh2 `shell` through the UI session's pool, so the same host keys and credentials as every
 * operation). Page → server: JSON `{t:'in', d}` keystrokes and `{t:'resize', cols, rows}`;
 * server → page: the PTY's bytes as binary frames. Closing either side closes the other.
 */
import type { WebSocket } from 'ws';
import type { ShellChannel } from '../../adapters/ssh/types.js';
import { toFleetError } from '../../core/errors.js';
import { selectHosts } from './actions.js';
import type { UiContext } from './context.js';

const clamp = (n: unknown, lo: number, hi: number, fallback: number): number =>
  typeof n === 'number' && Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.round(n))) : fallback;

export async function attachTerminal(ctx: UiContext, ws: WebSocket, url: URL): Promise<void> {
  const size = {
    cols: clamp(Number(url.searchParams.get('cols')), 10, 500, 80),
    rows: clamp(Number(url.searchParams.get('rows')), 4, 200, 24),
  };
  const fail = (message: string): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.from(`\r\nfleet: ${message}\r\n`));
    ws.close(1011, message.slice(0, 120));
  };
  const closed = new AbortController();
  ws.on('close', () => closed.abort());
  // The terminal is an operation of the session like any other: its Runtime ends with the socket.
  const rt = ctx.session.begin({ signal: closed.signal });
  ws.on('close', () => void rt.end());
  let shell: ShellChannel;
  try {
    const [target] = selectHosts(ctx, [url.searchParams.get('host') ?? '']);
    const conn = await (await rt.pool()).connect(target!, closed.signal);
    if (!conn.openShell) throw new Error(`${target!.id}: this connection cannot open a shell`);
    shell = await conn.openShell(size, closed.signal);
  } catch (err) {
    return fail(toFleetError(err).message);
  }
  if (closed.signal.aborted) {
    shell.end();
    return;
  }
  shell.on('data', (chunk: Buffer) => ws.send(chunk));
  shell.stderr?.on('data', (chunk: Buffer) => ws.send(chunk));
  shell.on('close', () => ws.close(1000, 'shell ended'));
  ws.on('close', () => shell.end());
  ws.on('message', (raw) => {
    let msg: { t?: string; d?: unknown; cols?: unknown; rows?: unknown };
    try {
      msg = JSON.parse(String(raw)) as typeof msg;
    } catch {
      return;
    }
    if (msg.t === 'in' && typeof msg.d === 'string') shell.write(msg.d);
    else if (msg.t === 'resize') {
      shell.setWindow(clamp(msg.rows, 4, 200, size.rows), clamp(msg.cols, 10, 500, size.cols), 0, 0);
    }
  });
}
