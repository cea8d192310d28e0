/**
 * `fleet node label --add k=v --rm k`: changes labels set by hand, never the ones `fleet up` manages
 * (core/node-labels.ts refuses those, naming them).
 */
import { userLabelChange } from '../../core/node-labels.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import { nodeChange, nodeDone, updateNodeSpec, type NodeChangeReport, type NodeOpInput } from './common.js';

export interface LabelInput extends NodeOpInput {
  add: string[];
  remove: string[];
}

export async function run(input: LabelInput, rt: Runtime): Promise<OperationResult<NodeChangeReport>> {
  return nodeChange(rt, input, 'label', async (m, picked, state) => {
    // Every node is checked before any is changed: a refusal leaves all of them as they were.
    for (const p of picked) userLabelChange(p.name, p.node.labels, input.add, input.remove);
    for (const p of picked) {
      await updateNodeSpec(rt, m, p.node.id, (spec) => ({
        ...spec,
        Labels: userLabelChange(p.name, spec.Labels ?? {}, input.add, input.remove).labels,
      }));
      const what = [...input.add.map((a) => `+${a.split('=')[0]}`), ...input.remove.map((r) => `-${r}`)].join(
        ' ',
      );
      rt.bus.emit({ type: 'change', host: p.name, description: `labels ${what}`, dryRun: false });
      nodeDone(state, p, what);
    }
  });
}
