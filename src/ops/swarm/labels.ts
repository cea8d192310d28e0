/**
 * Node labels: what fleet wants on a node (facts: arch, device_type, gpu, gpu.model; plus nodes.yml
 * labels) and the update that puts them there. The planner diffs them (core/swarm-plan-labels.ts,
 * which also drops labels fleet set earlier and no longer wants); this file only writes.
 */
import { toFleetError } from '../../core/errors.js';
import { applyLabelChange, type LabelChange } from '../../core/swarm-plan-labels.js';
import type { HostRecord, SwarmContext } from './context.js';

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

const MAX_ATTEMPTS = 10;

/**
 * Applies a label change to a node through `via` (a manager). A node that just joined keeps bumping
 * its version while it settles (status, description, certificate), so an update can lose the race
 * ("update out of sequence"): re-read and send again at once, with a small bounded backoff only
 * after repeated losses. Each update carries the version it read, so nothing is overwritten blind.
 */
export async function applyLabels(
  ctx: SwarmContext,
  via: HostRecord,
  nodeId: string,
  change: LabelChange,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const node = await via.engine!.inspectNode(nodeId, ctx.signal);
    try {
      await via.engine!.updateNode(
        node.id,
        node.version,
        { ...node.spec, Labels: applyLabelChange(node.labels, change) },
        ctx.signal,
      );
      return;
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !/out of sequence/i.test(toFleetError(err).message)) throw err;
      if (attempt >= 2) await new Promise((r) => setTimeout(r, Math.min(25 * attempt, 200)));
    }
  }
}
