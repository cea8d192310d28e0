/**
 * `fleet score [hosts…] [--json]`: read facts, score every host, and show the ranking with each
 * score's breakdown and the roles `fleet up` would assign (pins from nodes.yml honoured).
 * Weights: src/core/scoring.ts, explained in docs/scoring.md.
 */
import { Option, type Command } from 'commander';
import { assignRoles, roleAssignmentsDocument } from '../../../core/roles.js';
import { parseCount } from '../ssh-options.js';
import {
  addFactsOptions,
  gatherFacts,
  reportFailures,
  resolveFactTargets,
  type FactsCliOptions,
} from './facts.js';

export interface ScoreCliOptions extends FactsCliOptions {
  managers?: number;
  allowEvenManagers?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('score')
    .description('rank hosts as swarm managers, with each score broken down, and the roles up would pick')
    .argument('[hosts...]', 'hosts (same syntax as -n); default: every node in nodes.yml');
  addFactsOptions(cmd)
    .addOption(
      new Option('--managers <n>', 'manager count (default by size: 1, 3, 5, 7)').argParser(
        parseCount('--managers', { min: 1 }),
      ),
    )
    .option('--allow-even-managers', 'accept an even --managers count')
    .addHelpText(
      'after',
      '\nScores favour fast durable storage (managers fsync the Raft log), cores, RAM and a fast wired link;\na GPU costs a little, since GPUs are work capacity. Details: docs/scoring.md.',
    )
    .action(async (words: string[], cliOpts: ScoreCliOptions, command: Command) => {
      const { targets, opts } = await resolveFactTargets(words, cliOpts, command);
      const results = await gatherFacts(targets, opts);
      const code = await reportFailures(results);
      const byId = new Map(results.map((r) => [r.id, r]));
      const plan = assignRoles(
        targets.map((t) => ({ id: t.id, facts: byId.get(t.id)?.facts, pinnedRole: t.role })),
        { managers: cliOpts.managers, allowEven: cliOpts.allowEvenManagers },
      );
      if (opts.json) {
        const doc = { ...roleAssignmentsDocument(plan), notes: plan.notes };
        process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      } else {
        const { scoreTable } = await import('../../../views/score.js');
        process.stdout.write(scoreTable(plan));
      }
      process.exitCode = code;
    });
}
