/**
 * Node label convergence. fleet records which label keys it set in one bookkeeping label, so a label
 * later dropped from nodes.yml (or a fact that changed, like gpu.model) is removed on the next run,
 * while labels someone added by hand are never touched.
 */

/** Node label listing (comma-separated, sorted) the keys fleet manages on that node. */
export const MANAGED_LABELS_KEY = 'fleet.managed-labels';

export interface LabelChange {
  add: Record<string, string>;
  remove: string[];
}

/** The change that takes a node from `current` to `wanted`; empty add/remove when nothing differs. */
export function diffLabels(current: Record<string, string>, wanted: Record<string, string>): LabelChange {
  const add: Record<string, string> = {};
  const keys = Object.keys(wanted)
    .filter((k) => k !== MANAGED_LABELS_KEY)
    .sort();
  for (const k of keys) {
    if (current[k] !== wanted[k]) add[k] = wanted[k] as string;
  }
  const previously = (current[MANAGED_LABELS_KEY] ?? '').split(',').filter((k) => k !== '');
  const remove = previously.filter((k) => !(k in wanted) && k in current).sort();
  const bookkeeping = keys.join(',');
  if ((current[MANAGED_LABELS_KEY] ?? '') !== bookkeeping) {
    if (bookkeeping === '') {
      if (MANAGED_LABELS_KEY in current) remove.push(MANAGED_LABELS_KEY);
    } else {
      add[MANAGED_LABELS_KEY] = bookkeeping;
    }
  }
  return { add, remove };
}

/** Applies a change to a label set (what the phase writes into the node spec). */
export function applyLabelChange(
  labels: Record<string, string>,
  change: LabelChange,
): Record<string, string> {
  const out = { ...labels, ...change.add };
  for (const k of change.remove) delete out[k];
  return out;
}
