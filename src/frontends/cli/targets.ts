/**
 * The CLI's target prologue, one for every host command: positional host words, the selection
 * (runtime/targets.ts selectTargets, with --role reading the live swarm), then nodes.yml defaults
 * for the run knobs the user did not set.
 */
import type { Command } from 'commander';
import type { HostTarget } from '../../core/host.js';
import { selectTargets, type ResolvedTargets } from '../../runtime/targets.js';
import { applyInventoryDefaults, type RunKnobs, type SshCliOptions } from './ssh-options.js';
import { readLiveRolesCli, type TargetCliOptions } from './target-options.js';

export interface CliTargetsOptions {
  /** Positional host words (facts, score): they act like -n. */
  words?: string[];
  /** With nothing selected, take every node of nodes.yml (up/plan/down, backup/restore, facts/score). */
  defaultToAll?: boolean;
  /** Exact ids that replace -n (exec --rerun-failed). */
  onlyIds?: string[];
  /** Hint of the "no hosts selected" error; default 'use -n HOSTS or --all'. */
  emptyHint?: string;
  /** Apply nodes.yml `defaults` (default true; backup/restore do not, as today). */
  inventoryDefaults?: boolean;
}

/**
 * The CLI prologue: positional words act like -n; selectTargets; then nodes.yml defaults for the knobs
 * the user did not set (applyInventoryDefaults needs commander's getOptionValueSource, so it stays CLI).
 */
export async function cliTargets<O extends TargetCliOptions & SshCliOptions & RunKnobs>(
  opts: O,
  cmd: Pick<Command, 'getOptionValueSource'>,
  o: CliTargetsOptions = {},
): Promise<{ targets: HostTarget[]; opts: O; resolved: ResolvedTargets }> {
  const words = o.words ?? [];
  const withWords = words.length > 0 ? { ...opts, nodes: [...(opts.nodes ?? []), ...words] } : opts;
  const resolved = await selectTargets(withWords, {
    onlyIds: o.onlyIds,
    identity: withWords.identity,
    defaultToAll: o.defaultToAll,
    readLiveRoles: readLiveRolesCli,
    emptyHint: o.emptyHint ?? 'use -n HOSTS or --all',
  });
  const finalOpts =
    o.inventoryDefaults === false
      ? withWords
      : applyInventoryDefaults(withWords, cmd, resolved.inventory?.defaults);
  return { targets: resolved.hosts, opts: finalOpts, resolved };
}
