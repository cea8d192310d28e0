/**
 * `fleet node label`: labels a user adds or removes by hand. Keys `fleet up` manages (listed in the
 * node's fleet.managed-labels, and that bookkeeping key itself) are refused: the next `fleet up`
 * would put them back, so they belong in nodes.yml.
 */
import { FleetError } from './errors.js';
import { applyLabelChange, MANAGED_LABELS_KEY, type LabelChange } from './swarm-plan-labels.js';

export function managedKeys(labels: Record<string, string>): Set<string> {
  return new Set([MANAGED_LABELS_KEY, ...(labels[MANAGED_LABELS_KEY] ?? '').split(',').filter(Boolean)]);
}

/** "k=v" / "k" lists → a LabelChange, refused (usage) when it names a managed key of this node. */
export function userLabelChange(
  node: string,
  current: Record<string, string>,
  add: string[],
  remove: string[],
): { change: LabelChange; labels: Record<string, string> } {
  const change: LabelChange = { add: {}, remove: [] };
  for (const item of add) {
    const eq = item.indexOf('=');
    const key = (eq === -1 ? item : item.slice(0, eq)).trim();
    if (!key) throw new FleetError('usage', `--add "${item}": expected KEY=VALUE`);
    change.add[key] = eq === -1 ? '' : item.slice(eq + 1);
  }
  for (const key of remove) if (key.trim()) change.remove.push(key.trim());
  const managed = managedKeys(current);
  const touched = [...Object.keys(change.add), ...change.remove].filter((k) => managed.has(k));
  if (touched.length > 0) {
    throw new FleetError(
      'usage',
      `${node}: label${touched.length === 1 ? '' : 's'} ${touched.join(', ')} ${touched.length === 1 ? 'is' : 'are'} managed by fleet up`,
      { hint: 'change them in nodes.yml (labels:) and run fleet up; fleet node label is for other labels' },
    );
  }
  return { change, labels: applyLabelChange(current, change) };
}
