/**
 * Phase 6: node labels from facts (arch, device_type, gpu, gpu.model) plus nodes.yml labels. Only
 * the keys fleet sets are compared; labels put there by hand stay. Each update sends the node's
 * current version index, so a concurrent change is refused rather than overwritten.
 */
import pLimit from 'p-limit';
import { toFleetError } from '../../core/errors.js';
import type { Phase } from '../phase.js';
import {
  leaderRecord,
  markFailed,
  recordAction,
  usable,
  type HostRecord,
  type SwarmContext,
} from '../../swarm/context.js';

const TITLE = 'labels';

const ARCH: Record<string, string> = {
  aarch64: 'arm64',
  arm64: 'arm64',
  x86_64: 'amd64',
  amd64: 'amd64',
  armv7l: 'arm',
};

export function wantedLabels(host: HostRecord): Record<string, string> {
  const out: Record<string, string> = {};
  const facts = host.facts;
  if (facts) {
    if (facts.arch) out.arch = ARCH[facts.arch] ?? facts.arch;
    const type = host.target.type || facts.deviceType;
    if (type) out.device_type = type;
    if (facts.gpuModel) {
      out.gpu = 'true';
      out['gpu.model'] = facts.gpuModel;
    }
  } else if (host.target.type) {
    out.device_type = host.target.type;
  }
  return { ...out, ...(host.target.labels ?? {}) };
}

function describe(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/**
 * A freshly joined node's version moves while it settles ("update out of sequence"): re-read the
 * node and try again a few times rather than fail the host.
 */
async function updateLabels(
  ctx: SwarmContext,
  via: HostRecord,
  nodeId: string,
  want: Record<string, string>,
) {
  for (let attempt = 0; ; attempt++) {
    const node = await via.engine!.inspectNode(nodeId, ctx.signal);
    try {
      await via.engine!.updateNode(
        node.id,
        node.version,
        { ...node.spec, Labels: { ...node.labels, ...want } },
        ctx.signal,
      );
      return;
    } catch (err) {
      if (attempt >= 4 || !/out of sequence/i.test(toFleetError(err).message)) throw err;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }
}

export const labels: Phase<SwarmContext> = {
  title: TITLE,
  shouldRun(ctx) {
    return usable(ctx).some((h) => h.membership === 'ours') ? true : 'no member to label';
  },
  async run(ctx) {
    const leader = leaderRecord(ctx);
    const members = usable(ctx).filter((h) => h.membership === 'ours');
    const nodes = ctx.cluster?.planned || !leader?.engine ? [] : await leader.engine.listNodes(ctx.signal);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const limit = pLimit(ctx.options.concurrency);
    await Promise.all(
      members.map((host) =>
        limit(async () => {
          const want = wantedLabels(host);
          const node = host.nodeId ? byId.get(host.nodeId) : undefined;
          const missing = Object.fromEntries(Object.entries(want).filter(([k, v]) => node?.labels[k] !== v));
          if (Object.keys(missing).length === 0) return;
          const sentence = `set labels ${describe(missing)}`;
          try {
            await ctx.change(host.target.id, sentence, async () => {
              if (node) await updateLabels(ctx, leader!, node.id, want);
            });
            recordAction(host, sentence, ctx.dryRun);
          } catch (err) {
            markFailed(host, TITLE, toFleetError(err), ctx);
          }
        }),
      ),
    );
  },
};
