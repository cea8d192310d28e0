/**
 * The ports a swarm needs between its hosts (Docker's list): 2377/tcp from every node to the managers
 * (cluster management), 7946/tcp+udp between all nodes (gossip), 4789/udp between all nodes (VXLAN
 * overlay traffic). Which probes to run, and what their answers mean. A UDP port counts as open only
 * when a datagram was answered on the other side; when the port is taken there (Docker's own, on a
 * swarm member) or the host has no perl, it is "not verified", never ok.
 */
export interface PortHost {
  id: string;
  address: string;
}

export interface PortProbe {
  from: string;
  to: string;
  address: string;
  port: number;
  proto: 'tcp' | 'udp';
}

export type ProbeResult = 'ok' | 'refused' | 'timeout' | 'noanswer' | 'unreachable' | 'unresolved' | 'error';

export const SWARM_PORTS: readonly { port: number; proto: 'tcp' | 'udp'; managersOnly: boolean }[] = [
  { port: 2377, proto: 'tcp', managersOnly: true },
  { port: 7946, proto: 'tcp', managersOnly: false },
  { port: 7946, proto: 'udp', managersOnly: false },
  { port: 4789, proto: 'udp', managersOnly: false },
];

export const portName = (p: { port: number; proto: string }): string => `${p.port}/${p.proto}`;

/**
 * Every probe between `hosts`; 2377 only towards `managers` (every host when none is known yet).
 * `only` limits the pairs to those touching these hosts (up: the hosts about to join).
 */
export function planPortProbes(hosts: PortHost[], managers: string[], only?: Set<string>): PortProbe[] {
  const mgr = new Set(managers.length > 0 ? managers : hosts.map((h) => h.id));
  const probes: PortProbe[] = [];
  for (const from of hosts) {
    for (const to of hosts) {
      if (from.id === to.id) continue;
      if (only && !only.has(from.id) && !only.has(to.id)) continue;
      for (const p of SWARM_PORTS) {
        if (p.managersOnly && !mgr.has(to.id)) continue;
        probes.push({ from: from.id, to: to.id, address: to.address, port: p.port, proto: p.proto });
      }
    }
  }
  return probes;
}

export interface PortCheckReport {
  probes: number;
  ok: number;
  /** One line per blocked pair: "agx-01 → spark 2377/tcp: timeout (dropped by a firewall?)". */
  blocked: string[];
  /** UDP ports that could not be verified, one line per target and port, with why. */
  not_verified: string[];
  /** What makes the check fail (blocked), for the error message. */
  problems: string[];
}

const MEANING: Record<ProbeResult, string> = {
  ok: 'ok',
  refused: 'refused (nothing listening, or rejected by a firewall)',
  timeout: 'no answer to the TCP connect (dropped by a firewall?)',
  noanswer: 'no answer to 3 datagrams (dropped by a firewall?)',
  unreachable: 'no route',
  unresolved: 'address does not resolve there',
  error: 'the probe could not open a socket',
};

/**
 * Folds the results into the report. `busy`: per target host, the UDP ports its responder could not
 * bind; `noPerl`: hosts that could not run a probe or responder (their UDP is not verified either).
 */
export function summarizePorts(
  probes: PortProbe[],
  results: Map<PortProbe, ProbeResult | undefined>,
  busy: Map<string, Set<string>>,
  noPerl: Set<string>,
): PortCheckReport {
  const blocked: string[] = [];
  const notVerified = new Set<string>();
  let ok = 0;
  for (const p of probes) {
    const name = portName(p);
    const result = results.get(p);
    if (p.proto === 'udp' && (busy.get(p.to)?.has(name) || noPerl.has(p.to) || noPerl.has(p.from))) {
      const why =
        noPerl.has(p.to) || noPerl.has(p.from) ? 'no perl to run the check' : 'port in use there (Docker)';
      if (result === 'ok') ok++;
      else notVerified.add(`${p.to} ${name}: udp not verified (${why})`);
      continue;
    }
    if (result === undefined) {
      notVerified.add(`${p.from} → ${p.to} ${name}: not verified (no perl on ${p.from})`);
      continue;
    }
    if (result === 'ok') ok++;
    else blocked.push(`${p.from} → ${p.to} ${name}: ${MEANING[result]}`);
  }
  return { probes: probes.length, ok, blocked, not_verified: [...notVerified], problems: blocked };
}

export function parseProbeLine(
  line: string,
): { address: string; port: number; proto: string; result: ProbeResult } | undefined {
  const [address, port, proto, result] = line.trim().split(' ');
  if (!address || !port || !proto || !result || !(result in MEANING)) return undefined;
  return { address, port: Number(port), proto, result: result as ProbeResult };
}
