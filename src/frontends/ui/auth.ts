/**
 * Who may talk to the web view: whoever opened the printed URL with its one-time token gets a
 * session cookie (HttpOnly, SameSite=Strict); every later request needs that cookie. State-changing
 * requests and WebSocket upgrades must also come from the page's own origin, and the Host header must
 * name this server (a loopback name, or the address it listens on), so a web page elsewhere cannot
 * drive it, not even through DNS rebinding.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'fleet_ui';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface UiAuth {
  /** The one-time token printed in the URL (consumed by its first use). */
  readonly token: string;
  /** Trades the token for a session id (null: wrong or already used). */
  redeem(token: string): string | null;
  /** The request carries a live session cookie. */
  hasSession(req: IncomingMessage): boolean;
  /** The Host header names this server. */
  hostAllowed(req: IncomingMessage): boolean;
  /** The Origin header (required) is this server's own. */
  originAllowed(req: IncomingMessage): boolean;
  cookieHeader(sessionId: string): string;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** `host[:port]` → host, keeping IPv6 brackets. */
export function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon < 0 ? hostHeader : hostHeader.slice(0, colon);
}

export function createUiAuth(o: { listen: string; tls: boolean }): UiAuth {
  let token: string | null = randomBytes(24).toString('base64url');
  const printed = token;
  const sessions = new Set<string>();
  const listenName = o.listen.includes(':') ? `[${o.listen}]` : o.listen;
  const hostAllowed = (req: IncomingMessage): boolean => {
    const name = hostName(req.headers.host ?? '').toLowerCase();
    // Any port: `ssh -L 9000:127.0.0.1:<port>` reaches it as localhost:9000.
    return LOOPBACK_NAMES.has(name) || name === listenName.toLowerCase();
  };
  return {
    token: printed,
    redeem(given) {
      if (token === null || !sameSecret(given, token)) return null;
      token = null;
      const id = randomBytes(24).toString('base64url');
      sessions.add(id);
      return id;
    },
    hasSession(req) {
      const id = cookies(req).get(COOKIE_NAME);
      return id !== undefined && [...sessions].some((s) => sameSecret(s, id));
    },
    hostAllowed,
    originAllowed(req) {
      const origin = req.headers.origin;
      if (!origin || !hostAllowed(req)) return false;
      return origin === `${o.tls ? 'https' : 'http'}://${req.headers.host}`;
    },
    cookieHeader(id) {
      return `${COOKIE_NAME}=${id}; HttpOnly; SameSite=Strict; Path=/${o.tls ? '; Secure' : ''}`;
    },
  };
}
