/**
 * The swarm port check (core/port-check.ts says which ports and what answers mean), shared by
 * `fleet bootstrap` and `fleet up`'s preflight. Every host runs remote/port-responder.sh once: it
 * binds the host's free ports to probe and answers datagrams for as long as its channel's stdin stays
 * open; once every host answers, each source host's script gets its probes on stdin and runs them
 * all at once. One channel, and one login-shell start, per host (it was two: responder, then probes).
 */
import { loadRemoteScript } from '../../adapters/remote-scripts.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import type { SshPool } from '../../adapters/ssh/types.js';
import type { HostTarget } from '../../core/host.js';
import {
  parseProbeLine,
  planPortProbes,
  portName,
  summarizePorts,
  type PortCheckReport,
  type PortProbe,
  type ProbeResult,
} from '../../core/port-check.js';
import { withDeadline } from '../../core/poll.js';
import { forEachHost } from '../../runtime/for-each-host.js';
import type { EventBus } from '../../runtime/events.js';

/** What the check needs of a run: a Runtime with its pool, or up's SwarmContext. */
export interface PortCheckEnv {
  bus: EventBus;
  signal: AbortSignal;
}

export type { PortCheckReport, PortProbe, ProbeResult } from '../../core/port-check.js';

interface Responder {
  busy: Set<string>;
  noPerl: boolean;
  /** Runs `input` ("ADDRESS PORT PROTO" lines) from this host; resolves with the result lines. */
  probe(input: string): Promise<string>;
  stop(): Promise<void>;
}

async function scriptCommand(name: string, args: string[]): Promise<string> {
  const text = await loadRemoteScript(name);
  return [
    'sh',
    '-c',
    shQuote(text),
    shQuote(`fleet-${name.replace(/\.sh$/, '')}`),
    ...args.map(shQuote),
  ].join(' ');
}

async function startResponder(
  pool: SshPool,
  host: HostTarget,
  ports: string[],
  rt: PortCheckEnv,
): Promise<Responder> {
  const conn = await pool.connect(host, rt.signal);
  const started = await conn.spawn(await scriptCommand('port-responder.sh', ports), { signal: rt.signal });
  const busy = new Set<string>();
  let noPerl = false;
  let text = '';
  let onText = (): void => undefined;
  started.stdout.on('data', (b: Buffer) => {
    text += b.toString('utf8');
    onText();
  });
  // Resolves once `done(text)` says so, or the script ended (stdout closed).
  const until = (what: string, ms: number, done: () => boolean): Promise<void> =>
    withDeadline(
      what,
      ms,
      rt.signal,
      () =>
        new Promise<void>((resolve, reject) => {
          onText = () => done() && resolve();
          onText();
          started.stdout.on('end', () => resolve());
          started.done.then(() => resolve(), reject);
        }),
      host.id,
    );
  await until(`the port responder on ${host.id}`, 15_000, () => {
    for (const line of text.split('\n')) {
      if (line.startsWith('busy ')) busy.add(line.slice(5).trim());
      if (line === 'noperl') noPerl = true;
      if (line === 'ready' || line === 'noperl') return true;
    }
    return false;
  });
  return {
    busy,
    noPerl,
    async probe(input) {
      const from = text.length;
      started.stdin.write(`${input}probe-go\n`);
      await until(`the port probes from ${host.id}`, 30_000, () => /^probes-done$/m.test(text.slice(from)));
      return text.slice(from).replace(/^probes-done\n?[\s\S]*$/m, '');
    },
    async stop() {
      started.stdin.end();
      started.stdout.resume();
      await started.done.catch(() => undefined);
    },
  };
}

/**
 * Checks the swarm ports between `hosts`; `only` limits the pairs to those touching these hosts.
 * `onResult` sees every probe's own result (`fleet up` keeps the open ones: see port-preflight.ts).
 */
export async function checkPorts(
  rt: PortCheckEnv,
  pool: SshPool,
  hosts: HostTarget[],
  managers: string[],
  only?: Set<string>,
  onResult?: (probe: PortProbe, result: ProbeResult | undefined) => void,
): Promise<PortCheckReport> {
  const probes = planPortProbes(hosts, managers, only);
  const involved = hosts.filter((h) => probes.some((p) => p.to === h.id || p.from === h.id));
  const responders = new Map<string, Responder>();
  const results = new Map<PortProbe, ProbeResult | undefined>();
  const noPerl = new Set<string>();
  try {
    // Every host's side listens first (a host that only asks binds nothing), then every host asks.
    await forEachHost(involved, { concurrency: 32 }, async (h) => {
      rt.bus.hostState(h.id, 'running', 'answering port probes');
      const ports = [...new Set(probes.filter((p) => p.to === h.id).map(portName))];
      const r = await startResponder(pool, h, ports, rt);
      responders.set(h.id, r);
      if (r.noPerl) noPerl.add(h.id);
    });
    await forEachHost(involved, { concurrency: 32 }, async (h) => {
      // A datagram to a UDP port the target's responder could not bind (Docker's own, or no perl
      // there) is never answered: it only made every probing host wait out the 3 s UDP deadline, and
      // summarizePorts reports those ports as not verified whatever the probe says.
      const unanswerable = (p: PortProbe): boolean =>
        p.proto === 'udp' && (noPerl.has(p.to) || Boolean(responders.get(p.to)?.busy.has(portName(p))));
      const mine = probes.filter((p) => p.from === h.id && !unanswerable(p));
      const responder = responders.get(h.id);
      if (mine.length === 0 || !responder || responder.noPerl) return;
      rt.bus.hostState(h.id, 'running', `probing ${mine.length} ports`);
      const out = await responder.probe(mine.map((p) => `${p.address} ${p.port} ${p.proto}\n`).join(''));
      const lines = out.split('\n').map(parseProbeLine);
      // The script answers in input order, one line per probe.
      mine.forEach((p, i) => {
        const l = lines[i];
        results.set(p, l && l.address === p.address && l.port === p.port ? l.result : undefined);
      });
    });
  } finally {
    await Promise.all([...responders.values()].map((r) => r.stop()));
  }
  if (onResult) for (const p of probes) onResult(p, results.get(p));
  const busy = new Map([...responders].map(([id, r]) => [id, r.busy]));
  return summarizePorts(probes, results, busy, noPerl);
}
