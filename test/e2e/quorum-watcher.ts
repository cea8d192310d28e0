/**
 * Watches swarm quorum during a run, from outside fleet: every ~300 ms it asks each lab engine over its
 * Docker socket (reachable from the test even when the host's link is cut) for /info, and every engine
 * that says it is a manager for /nodes. The best view (most reachable managers) is the cluster's.
 *
 * Verdict: quorum (reachable managers > half the managers) may only be missing when the fault took
 * managers down, and then by no more than the managers the fault took (one). A loss must last three
 * samples in a row to count: Raft itself is briefly 1-of-2 while a second manager joins.
 */
import { request } from 'node:http';
import type { Lab } from '../lab/index.js';

interface Sample {
  at: number;
  managers: number;
  reachable: number;
  /** Nobody with a quorum answered /nodes although some engine is in a swarm as a manager. */
  noLeader: boolean;
  /** Hostnames of the managers in that view. */
  names: string[];
}

/** GET a lab engine's API over its Docker socket (reachable from the test even when the host's link is cut). */
export function getJson(socketPath: string, path: string, timeoutMs = 1500): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) return reject(new Error(`${res.statusCode} ${body.trim()}`));
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

interface NodeEntry {
  Description?: { Hostname?: string };
  ManagerStatus?: { Reachability?: string };
}

export class QuorumWatcher {
  private readonly samples: Sample[] = [];
  private running = false;
  private loop?: Promise<void>;
  private faultAt?: number;
  private faultOn?: string;

  constructor(
    private readonly lab: Lab,
    private readonly names: readonly string[],
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const sample = await this.sample();
        if (sample) this.samples.push(sample);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
  }

  /** The fault happened now; `victim` is the host it took down (link or engine), if any. */
  faultApplied(victim?: string): void {
    this.faultAt = Date.now();
    this.faultOn = victim;
  }

  private async sample(): Promise<Sample | undefined> {
    const socket = (name: string) => this.lab.host(name).dockerHost!.replace(/^unix:\/\//, '');
    const infos = await Promise.all(
      this.names.map((name) =>
        getJson(socket(name), '/info').then(
          (i) => ({ name, info: i as { Swarm?: { ControlAvailable?: boolean; LocalNodeState?: string } } }),
          () => undefined,
        ),
      ),
    );
    const managers = infos.filter((i) => i?.info.Swarm?.ControlAvailable).map((i) => i!.name);
    if (managers.length === 0) return undefined; // no swarm yet (or every manager's engine is down)
    const views = await Promise.all(
      managers.map((name) =>
        getJson(socket(name), '/nodes').then(
          (n) => n as NodeEntry[],
          () => undefined,
        ),
      ),
    );
    let best: Sample | undefined;
    for (const nodes of views) {
      if (!nodes) continue;
      const m = nodes.filter((n) => n.ManagerStatus);
      const r = m.filter((n) => n.ManagerStatus?.Reachability === 'reachable').length;
      if (!best || r > best.reachable) {
        const names = m.map((n) => n.Description?.Hostname ?? '');
        best = { at: Date.now(), managers: m.length, reachable: r, noLeader: false, names };
      }
    }
    return (
      best ?? { at: Date.now(), managers: managers.length, reachable: 0, noLeader: true, names: managers }
    );
  }

  async stop(): Promise<{ problems: string[]; summary: string }> {
    this.running = false;
    await this.loop;
    const problems: string[] = [];
    // Only a victim that is a manager may take quorum margin away. Any sample counts, not only the last
    // one before the fault: under load a sample lags, and a host that had just joined as a manager
    // when its engine stopped is a manager taken down by the fault.
    const victim = this.faultOn;
    const budget = victim && this.samples.some((s) => s.names.includes(victim)) ? 1 : 0;
    let streak: Sample[] = [];
    const flush = (): void => {
      if (streak.length >= 3) {
        const first = streak[0]!;
        const worst = streak.reduce((a, b) => (b.managers - b.reachable > a.managers - a.reachable ? b : a));
        const after = this.faultAt !== undefined && first.at >= this.faultAt;
        problems.push(
          `quorum lost for ${streak.length} samples (${((streak.at(-1)!.at - first.at) / 1000).toFixed(1)} s) ` +
            `${after ? 'after' : 'before'} the fault: ${worst.noLeader ? 'no manager could list nodes' : `${worst.reachable}/${worst.managers} managers reachable`}`,
        );
      }
      streak = [];
    };
    for (const s of this.samples) {
      const after = this.faultAt !== undefined && s.at >= this.faultAt;
      const down = s.managers - s.reachable;
      const lost = s.noLeader || s.reachable <= s.managers / 2;
      // The fault may explain one unreachable manager; quorum lost beyond that is fleet's doing.
      // Without a leader nobody can count, so a loss after a manager was taken down is the fault's.
      const explained = after && budget > 0 && (s.noLeader || down <= budget);
      if (lost && !explained) streak.push(s);
      else flush();
    }
    flush();
    const counts = this.samples.map((s) => `${s.reachable}/${s.managers}`);
    const distinct = counts.filter((c, i) => c !== counts[i - 1]);
    const summary = `quorum samples ${this.samples.length} (reachable/managers: ${distinct.join(' → ') || 'none'})${this.faultOn ? `, fault on ${this.faultOn}` : ''}`;
    return { problems, summary };
  }
}
