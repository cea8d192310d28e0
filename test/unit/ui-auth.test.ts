/** The web view's access checks (src/frontends/ui/auth.ts): one-time token, cookie, Host and Origin. */
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { createUiAuth } from '../../src/frontends/ui/auth.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

describe('ui auth', () => {
  it('trades the token once for a session cookie that later requests must carry', () => {
    const auth = createUiAuth({ listen: '127.0.0.1', tls: false });
    expect(auth.redeem('wrong')).toBeNull();
    const id = auth.redeem(auth.token)!;
    expect(id).toBeTruthy();
    expect(auth.redeem(auth.token)).toBeNull();
    expect(auth.cookieHeader(id)).toMatch(/HttpOnly; SameSite=Strict/);
    expect(auth.hasSession(req({ cookie: `a=b; fleet_ui=${id}` }))).toBe(true);
    expect(auth.hasSession(req({ cookie: 'fleet_ui=forged' }))).toBe(false);
    expect(auth.hasSession(req({}))).toBe(false);
  });

  it('accepts only its own Host names and the exact Origin of the page', () => {
    const auth = createUiAuth({ listen: '127.0.0.1', tls: false });
    expect(auth.hostAllowed(req({ host: 'localhost:9000' }))).toBe(true);
    expect(auth.hostAllowed(req({ host: 'evil.example:8080' }))).toBe(false);
    const host = '127.0.0.1:8080';
    expect(auth.originAllowed(req({ host, origin: 'http://127.0.0.1:8080' }))).toBe(true);
    expect(auth.originAllowed(req({ host, origin: 'http://evil.example' }))).toBe(false);
    expect(auth.originAllowed(req({ host }))).toBe(false);
    expect(auth.originAllowed(req({ host: 'evil.example', origin: 'http://evil.example' }))).toBe(false);
  });
});
