/**
 * The swarm port check (core/port-check.ts says which ports and what answers mean), shared by
 * `fleet bootstrap` and `fleet up`'s preflight. Each target host runs remote/port-responder.sh
 * (binds the free ports, answers datagrams) for as long as its channel's stdin stays open; then each
 * source host runs remote/port-probe.sh with all its probes at once. Two short channels per host.
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

export type { PortCheckReport } from '../../core/port-check.js';

interface Responder {
  busy: Set<string>;
  noPerl: boolean;
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
  await withDeadline(
    `the port responder on ${host.id}`,
    15_000,
    rt.signal,
    () =>
      new Promise<void>((resolve, reject) => {
        started.stdout.on('data', (b: Buffer) => {
          text += b.toString('utf8');
          for (const line of text.split('\n')) {
            if (line.startsWith('busy ')) busy.add(line.slice(5).trim());
            if (line === 'noperl') noPerl = true;
            if (line === 'ready' || line === 'noperl') resolve();
          }
        });
        started.stdout.on('end', () => resolve());
        started.done.then(() => resolve(), reject);
      }),
    host.id,
  );
  return {
    busy,
    noPerl,
    async stop() {
      started.stdin.end();
      started.stdout.resume();
      await started.done.catch(() => undefined);
    },
  };
}

/** Checks the swarm ports between `hosts`; `only` limits the pairs to those touching these hosts. */
export async function checkPorts(
  rt: PortCheckEnv,
  pool: SshPool,
  hosts: HostTarget[],
  managers: string[],
  only?: Set<string>,
): Promise<PortCheckReport> {
  const probes = planPortProbes(hosts, managers, only);
  const targets = hosts.filter((h) => probes.some((p) => p.to === h.id));
  const responders = new Map<string, Responder>();
  const results = new Map<PortProbe, ProbeResult | undefined>();
  const noPerl = new Set<string>();
  try {
    await forEachHost(targets, { concurrency: 32 }, async (h) => {
      rt.bus.hostState(h.id, 'running', 'answering port probes');
      const ports = [...new Set(probes.filter((p) => p.to === h.id).map(portName))];
      const r = await startResponder(pool, h, ports, rt);
      responders.set(h.id, r);
      if (r.noPerl) noPerl.add(h.id);
    });
    await forEachHost(hosts, { concurrency: 32 }, async (h) => {
      const mine = probes.filter((p) => p.from === h.id);
      if (mine.length === 0) return;
      rt.bus.hostState(h.id, 'running', `probing ${mine.length} ports`);
      const conn = await pool.connect(h, rt.signal);
      const input = mine.map((p) => `${p.address} ${p.port} ${p.proto}\n`).join('');
      const r = await conn.exec(await scriptCommand('port-probe.sh', []), {
        stdin: input,
        signal: rt.signal,
        timeoutMs: 30_000,
      });
      const out = r.stdout.toString('utf8');
      if (out.trim() === 'noperl') noPerl.add(h.id);
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
  const busy = new Map([...responders].map(([id, r]) => [id, r.busy]));
  return summarizePorts(probes, results, busy, noPerl);
}
