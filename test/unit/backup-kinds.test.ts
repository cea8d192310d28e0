import { describe, expect, it } from 'vitest';
import { parseBackupKinds } from '../../src/core/backup-kinds.js';
import { FleetError } from '../../src/core/errors.js';

describe('parseBackupKinds (--only of backup and restore, the web view restore)', () => {
  it('keeps each kind once in the order given, from repeated and comma-separated values', () => {
    expect(parseBackupKinds(['paths,swarm', ' paths ', 'volumes'])).toEqual(['paths', 'swarm', 'volumes']);
  });

  it('is undefined (everything) when nothing is given', () => {
    expect(parseBackupKinds(undefined)).toBeUndefined();
    expect(parseBackupKinds([])).toBeUndefined();
    expect(parseBackupKinds([' , '])).toBeUndefined();
  });

  it('refuses with a usage error naming every unknown kind', () => {
    let error: unknown;
    try {
      parseBackupKinds(['swarm,images', 'etc']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('usage');
    expect((error as FleetError).message).toBe(
      '--only takes swarm, paths and volumes (comma-separated), got "images", "etc"',
    );
  });
});
