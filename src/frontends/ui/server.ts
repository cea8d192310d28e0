/**
 * The web view's HTTP(S) server: the one-time token → cookie exchange (auth.ts), the embedded page,
 * Server-Sent Events from the observer, the actions, backups and queries as JSON requests, and the terminal's
 * WebSocket upgrade. Every request needs the session cookie; POSTs and upgrades also the page's Origin.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer } from 'ws';
import { loadUiAsset, type UiAssetName } from '../../adapters/ui-assets.js';
import { toFleetError } from '../../core/errors.js';
import { runAction, type ActionRequest } from './actions.js';
import type { UiAuth } from './auth.js';
import {
  backupNode,
  listBackupsForPage,
  restoreBackup,
  type BackupRequest,
  type RestoreRequest,
} from './backups.js';
import type { UiContext } from './context.js';
import { batchExec, hostFacts, streamLogs } from './queries.js';
import { attachTerminal } from './terminal.js';

const MAX_BODY = 4 * 1024 * 1024;
const TYPES: Record<UiAssetName, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // Everything comes from this server: no CDN, no inline script.
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown): void =>
  send(res, status, JSON.stringify(value), 'application/json');

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('request body over 4 MiB'), { status: 413 });
    chunks.push(chunk);
  }
  const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  if (typeof value !== 'object' || value === null) throw new Error('the request body is not a JSON object');
  return value as Record<string, unknown>;
}

function errorBody(err: unknown): {
  status: number;
  error: { code: string; message: string; hint?: string };
} {
  const e = toFleetError(err);
  const status = e.code === 'usage' ? 400 : e.code === 'locked' ? 409 : 500;
  return { status, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
}

/** Serializes an OperationResult: its FleetError becomes { code, message, hint }. */
function operationBody(value: unknown): unknown {
  const v = value as { error?: unknown } | null;
  return v && typeof v === 'object' && v.error ? { ...v, error: errorBody(v.error).error } : value;
}

async function api(ctx: UiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  if (req.method === 'GET' && path === '/api/events') return ctx.hub.attach(res);
  if (req.method === 'GET' && path === '/api/state') return json(res, 200, ctx.observer.latest ?? null);
  if (req.method === 'GET' && path === '/api/facts')
    return json(res, 200, await hostFacts(ctx, url.searchParams.get('host') ?? ''));
  if (req.method === 'GET' && path === '/api/backups') return json(res, 200, await listBackupsForPage(ctx));
  if (req.method === 'GET' && path === '/api/logs')
    return streamLogs(ctx, url.searchParams.get('service') ?? '', res);
  if (req.method !== 'POST') return send(res, 404, 'not found\n');
  const body = await readJson(req);
  if (path === '/api/action')
    return json(res, 200, operationBody(await runAction(ctx, body as unknown as ActionRequest)));
  if (path === '/api/backup')
    return json(res, 200, operationBody(await backupNode(ctx, body as BackupRequest)));
  if (path === '/api/restore')
    return json(res, 200, operationBody(await restoreBackup(ctx, body as RestoreRequest)));
  if (path === '/api/exec')
    return json(res, 200, await batchExec(ctx, body as { hosts?: string[]; command?: string }));
  if (path === '/api/answer') {
    const ok = ctx.asker.answer(String(body.questionId), body.yes === true);
    return json(res, ok ? 200 : 404, { ok });
  }
  send(res, 404, 'not found\n');
}

export function createUiServer(
  ctx: UiContext,
  auth: UiAuth,
  tls?: { cert: Buffer | string; key: Buffer | string },
): Server {
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fleet.invalid');
    if (!auth.hostAllowed(req)) return send(res, 421, 'this server answers only to its own address\n');
    const token = url.searchParams.get('token');
    if (req.method === 'GET' && url.pathname === '/' && token !== null) {
      const id = auth.redeem(token);
      if (!id)
        return send(res, 403, 'this link was used already or is wrong: run fleet ui again for a new one\n');
      res.writeHead(303, { location: '/', 'set-cookie': auth.cookieHeader(id), ...SECURITY_HEADERS });
      return void res.end();
    }
    if (!auth.hasSession(req))
      return send(res, 401, 'open the URL fleet ui printed (it carries the token)\n');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !auth.originAllowed(req)) {
      return send(res, 403, 'foreign or missing Origin\n');
    }
    try {
      if (url.pathname.startsWith('/api/')) return await api(ctx, req, res, url);
      const name: UiAssetName | undefined =
        url.pathname === '/'
          ? 'index.html'
          : url.pathname === '/app.js'
            ? 'app.js'
            : url.pathname === '/app.css'
              ? 'app.css'
              : undefined;
      if (!name) return send(res, 404, 'not found\n');
      send(res, 200, await loadUiAsset(name), TYPES[name]);
    } catch (err) {
      const status = (err as { status?: number }).status;
      const body = errorBody(err);
      if (!res.headersSent) json(res, status ?? (err instanceof SyntaxError ? 400 : body.status), body);
      else res.end();
    }
  };
  const server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, (q, s) => void handler(q, s))
    : createHttpServer((q, s) => void handler(q, s));
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fleet.invalid');
    if (url.pathname !== '/api/terminal' || !auth.hasSession(req) || !auth.originAllowed(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => void attachTerminal(ctx, ws, url));
  });
  server.on('close', () => sockets.close());
  return server;
}
