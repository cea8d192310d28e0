import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import { loadRemoteScript } from '../../src/adapters/remote-scripts.js';

describe('loadRemoteScript outside the single binary', () => {
  it('reads remote/<name> from the repository', async () => {
    const expected = readFileSync(new URL('../../remote/facts.sh', import.meta.url), 'utf8');
    await expect(loadRemoteScript('facts.sh')).resolves.toBe(expected);
  });

  it('refuses names that are not plain .sh file names', async () => {
    for (const name of ['../package.json', 'sub/facts.sh', 'facts', '.hidden.sh']) {
      const err = await loadRemoteScript(name).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(FleetError);
      expect((err as FleetError).message).toContain(name);
    }
  });

  it('names the file it could not read', async () => {
    const err = await loadRemoteScript('no-such-script.sh').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).message).toMatch(/remote[/\\]no-such-script\.sh/);
  });
});
