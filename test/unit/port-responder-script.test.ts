/**
 * remote/port-responder.sh run locally under sh on loopback (no SSH): one process answers on the
 * ports it bound and, once it gets "probe-go", runs the probes it was sent from a child process
 * while it keeps answering. Over SSH between lab hosts: test/e2e/bootstrap.test.ts (blocked pairs).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProbeLine } from '../../src/core/port-check.js';

const SCRIPT = join(process.cwd(), 'remote', 'port-responder.sh');
const started: ChildProcessWithoutNullStreams[] = [];

/** A TCP port nothing listens on right now (the kernel picked it, then it was closed). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function responder(ports: string[]): {
  child: ChildProcessWithoutNullStreams;
  until: (re: RegExp) => Promise<string>;
} {
  const child = spawn('sh', [SCRIPT, ...ports], { stdio: 'pipe' });
  started.push(child);
  let out = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    for (const w of waiters) w();
  });
  const until = (re: RegExp): Promise<string> =>
    new Promise((resolve) => {
      const check = (): void => void (re.test(out) && resolve(out));
      waiters.push(check);
      check();
      child.on('close', () => resolve(out));
    });
  return { child, until };
}

afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('remote/port-responder.sh', () => {
  it('answers on its ports and, after probe-go, probes from the same process: ok, refused, busy', async () => {
    const [tcp, udp, closed] = [await freePort(), await freePort(), await freePort()];
    const a = responder([`${tcp}/tcp`, `${udp}/udp`]);
    expect(await a.until(/^ready$/m)).toBe('ready\n');
    // A second one on the same ports: they are in use (as Docker's are on a swarm member).
    const b = responder([`${tcp}/tcp`, `${udp}/udp`]);
    const second = await b.until(/^ready$/m);
    expect(second).toContain(`busy ${tcp}/tcp`);
    expect(second).toContain(`busy ${udp}/udp`);
    // b asks a's ports (and one nobody listens on) while a keeps answering.
    b.child.stdin.write(`127.0.0.1 ${tcp} tcp\n127.0.0.1 ${udp} udp\n127.0.0.1 ${closed} tcp\nprobe-go\n`);
    const out = (await b.until(/^probes-done$/m)).split('\n');
    const results = out.filter((l) => l.startsWith('127.0.0.1 ')).map(parseProbeLine);
    expect(results.map((r) => r?.result)).toEqual(['ok', 'ok', 'refused']);
    expect(out).toContain('probes-done');
    // Still answering after the probes; ends with its stdin.
    b.child.stdin.end();
    a.child.stdin.end();
    const code = await new Promise<number | null>((r) => a.child.on('close', r));
    expect(code).toBe(0);
  });
});
