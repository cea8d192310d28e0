import { Command, Option } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { addSshOptions, applyInventoryDefaults, parseCount } from '../../src/frontends/cli/ssh-options.js';

// The real option definitions commands use, so the test covers commander's env handling too.
interface Knobs {
  concurrency: number;
  connectTimeout: number;
  retries: number;
  retryDelay: number;
}

function parse(argv: string[]): { opts: Knobs; cmd: Command } {
  const cmd = addSshOptions(
    new Command('exec').exitOverride().addOption(
      new Option('-c, --concurrency <n>', 'hosts at once')
        .env('FLEET_MAX_JOBS')
        .argParser(parseCount('--concurrency', { min: 1 }))
        .default(32),
    ),
  );
  cmd.parse(argv, { from: 'user' });
  return { opts: cmd.opts<Knobs>(), cmd };
}

const inventoryDefaults = { maxJobs: 8, sshTimeout: 4, retryCount: 5, retryDelay: 3 };

describe('run settings: flags > FLEET_* > nodes.yml defaults > built-in', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('built-ins when nothing else is set', () => {
    const { opts, cmd } = parse([]);
    expect(applyInventoryDefaults(opts, cmd, undefined)).toMatchObject({
      concurrency: 32,
      connectTimeout: 10,
      retries: 2,
      retryDelay: 1,
    });
  });

  it('nodes.yml defaults replace built-ins', () => {
    const { opts, cmd } = parse([]);
    expect(applyInventoryDefaults(opts, cmd, inventoryDefaults)).toMatchObject({
      concurrency: 8,
      connectTimeout: 4,
      retries: 5,
      retryDelay: 3,
    });
  });

  it('FLEET_* variables win over nodes.yml, flags win over both', () => {
    process.env.FLEET_MAX_JOBS = '16';
    process.env.FLEET_SSH_TIMEOUT = '2.5';
    const { opts, cmd } = parse(['--retries', '0']);
    expect(applyInventoryDefaults(opts, cmd, inventoryDefaults)).toMatchObject({
      concurrency: 16,
      connectTimeout: 2.5,
      retries: 0,
      retryDelay: 3,
    });
    const flagged = parse(['-c', '4']);
    expect(applyInventoryDefaults(flagged.opts, flagged.cmd, inventoryDefaults).concurrency).toBe(4);
  });

  it('an invalid variable is refused with its name', () => {
    process.env.FLEET_MAX_JOBS = 'abc';
    expect(() => parse([])).toThrow(/FLEET_MAX_JOBS.*--concurrency must be an integer >= 1, got "abc"/);
  });
});
