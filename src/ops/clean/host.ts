/**
 * One host of `fleet clean`: `docker system df` through the engine, the host's own part
 * (remote/clean-host.sh: journal size, old fleet temp files), the pure plan, and with --yes the
 * removals in a safe order (stop, containers, images, volumes, build cache, host part), then df
 * again: "reclaimed" is measured, not estimated.
 */
import { createDockerEngine } from '../../adapters/docker/engine.js';
import type { SshConnection } from '../../adapters/ssh/types.js';
import {
  dockerBytes,
  parseJournalUsage,
  planClean,
  type CleanItem,
  type CleanOptions,
  type CleanPlan,
} from '../../core/clean-plan.js';
import type { HostTarget } from '../../core/host.js';
import type { EventBus } from '../../runtime/events.js';
import { runRemoteScript, stepFailed } from '../shared/transfer.js';

export interface CleanHostContext extends CleanOptions {
  bus: EventBus;
  signal: AbortSignal;
  sudoPassword?: string;
  apply: boolean;
  journalSize?: string;
  serviceImages: string[];
  /** false when the swarm's services could not be read: tagged images are then all kept. */
  servicesKnown: boolean;
}

export interface CleanHostOutcome {
  plan: CleanPlan;
  journalBytes: number | null;
  tempFiles: CleanItem[];
  reclaimedBytes: number | null;
  /** Removals the engine refused (an image a new container started to use…), as sentences. */
  skipped: string[];
}

interface HostSide {
  journal: number | null;
  journalAfter: number | null;
  temp: CleanItem[];
}

function parseHostSide(text: string): HostSide {
  const side: HostSide = { journal: null, journalAfter: null, temp: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith('journal ')) side.journal = parseJournalUsage(line);
    else if (line.startsWith('journal-after ')) side.journalAfter = parseJournalUsage(line);
    else {
      const m = /^temp (\d+) (\/.+)$/.exec(line);
      if (m) side.temp.push({ id: m[2]!, name: m[2]!, bytes: Number(m[1]) * 1024 });
    }
  }
  return side;
}

export async function cleanHost(
  host: HostTarget,
  conn: SshConnection,
  c: CleanHostContext,
): Promise<CleanHostOutcome> {
  const sudo = host.user !== 'root';
  const hostSide = async (mode: 'scan' | 'apply'): Promise<HostSide> => {
    const r = await runRemoteScript(conn, 'clean-host.sh', [mode, c.journalSize ?? ''], {
      sudo,
      sudoPassword: c.sudoPassword,
      signal: c.signal,
      timeoutMs: 300_000,
    });
    if (r.exitCode !== 0) throw stepFailed(host, 'reading the journal and temp files', r);
    return parseHostSide(r.stdout.toString('utf8'));
  };
  const engine = await createDockerEngine(conn, { signal: c.signal, sudoPassword: c.sudoPassword });
  try {
    c.bus.hostState(host.id, 'running', 'docker system df');
    const before = await engine.diskUsage(c.signal);
    const scan = await hostSide('scan');
    const plan = planClean(before, c.serviceImages, c);
    if (!c.servicesKnown) {
      plan.kept.serviceImages.push(...plan.unusedImages.map((i) => i.name));
      plan.reclaimableBytes -= plan.unusedImages.reduce((n, i) => n + i.bytes, 0);
      plan.unusedImages = [];
    }
    const outcome: CleanHostOutcome = {
      plan,
      journalBytes: scan.journal,
      tempFiles: scan.temp,
      reclaimedBytes: null,
      skipped: [],
    };
    if (!c.apply) return outcome;
    const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
        c.bus.emit({ type: 'change', host: host.id, description: what, dryRun: false });
      } catch (err) {
        outcome.skipped.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    c.bus.hostState(host.id, 'running', 'removing');
    for (const s of plan.stop)
      await attempt(`stop container ${s.name}`, () => engine.stopContainer(s.id, c.signal));
    for (const x of plan.containers)
      await attempt(`remove container ${x.name}`, () => engine.removeContainer(x.id, c.signal));
    for (const i of [...plan.unusedImages, ...plan.danglingImages])
      await attempt(`remove image ${i.name}`, () => engine.removeImage(i.id, c.signal));
    for (const v of plan.volumes)
      await attempt(`remove volume ${v.name}`, () => engine.removeVolume(v.id, c.signal));
    if (plan.buildCacheBytes > 0)
      await attempt('prune the build cache', () => engine.pruneBuildCache(c.signal));
    const applied = await hostSide('apply');
    const after = await engine.diskUsage(c.signal);
    const journalFreed =
      applied.journal !== null && applied.journalAfter !== null
        ? Math.max(0, applied.journal - applied.journalAfter)
        : 0;
    outcome.reclaimedBytes =
      Math.max(0, dockerBytes(before) - dockerBytes(after)) +
      applied.temp.reduce((n, t) => n + t.bytes, 0) +
      journalFreed;
    return outcome;
  } finally {
    engine.close();
  }
}
