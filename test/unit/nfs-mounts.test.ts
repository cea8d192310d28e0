import { describe, expect, it } from 'vitest';
import {
  checkNfsMounts,
  FSTAB_MARK,
  mergeFstab,
  nfsFstabLine,
  parseNfsSpec,
} from '../../src/core/nfs-mounts.js';
import { FleetError } from '../../src/core/errors.js';

const models = parseNfsSpec('spark:/mnt/models:/mnt/spark-models');

const USER_FSTAB = [
  '# /etc/fstab: static file system information.',
  'UUID=1234-abcd / ext4 defaults,noatime 0 1',
  '',
  '/dev/nvme0n1p1\t/data\text4\tdefaults\t0\t2',
  'tmpfs /tmp tmpfs size=2G 0 0',
].join('\n');

describe('--nfs SRC:REMOTE:LOCAL', () => {
  it('parses the three parts (trailing slashes dropped)', () => {
    expect(parseNfsSpec('10.0.0.5:/export/models/:/mnt/models/')).toEqual({
      server: '10.0.0.5',
      remote: '/export/models',
      local: '/mnt/models',
    });
    expect(models).toEqual({ server: 'spark', remote: '/mnt/models', local: '/mnt/spark-models' });
  });

  it.each([
    ['spark:/mnt/models', /expected three parts/],
    ['spark:mnt/models:/mnt/m', /"mnt\/models" must be an absolute path/],
    ['spark:/mnt/models:/mnt/my models', /must be an absolute path without spaces/],
    ['sp ark:/a:/b', /is not a host name/],
    ['spark:/a:/', /cannot be \//],
  ])('refuses %s with a usage error', (spec, why) => {
    let err: unknown;
    try {
      parseNfsSpec(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe('usage');
    expect((err as FleetError).message).toMatch(why);
    expect((err as FleetError).hint).toMatch(/SERVER:\/exported\/path:\/local\/mount\/point/);
  });

  it('refuses the same mount point twice', () => {
    expect(() => checkNfsMounts([models, parseNfsSpec('pi-01:/srv:/mnt/spark-models')])).toThrow(
      /\/mnt\/spark-models is given twice/,
    );
  });
});

describe('fstab merge', () => {
  it('appends the entry with _netdev,nofail and keeps every user line as it was', () => {
    const m = mergeFstab(USER_FSTAB, [models], 'agx-01:/etc/fstab');
    expect(m.text).toBe(`${USER_FSTAB}\n${FSTAB_MARK}\n${nfsFstabLine(models)}\n`);
    expect(nfsFstabLine(models)).toBe('spark:/mnt/models /mnt/spark-models nfs defaults,_netdev,nofail 0 0');
    expect(m.changes).toEqual(['add spark:/mnt/models on /mnt/spark-models (nfs, _netdev,nofail)']);
  });

  it('is idempotent: merging the merged file changes nothing (no duplicate line)', () => {
    const once = mergeFstab(USER_FSTAB, [models], 'x').text!;
    const twice = mergeFstab(once, [models], 'x');
    expect(twice.text).toBeUndefined();
    expect(twice.changes).toEqual([]);
  });

  it('writes a new file when there is none', () => {
    expect(mergeFstab(undefined, [models], 'x').text).toBe(`${FSTAB_MARK}\n${nfsFstabLine(models)}\n`);
  });

  it("adds only the missing options to the user's own entry for the same share", () => {
    const user = `${USER_FSTAB}\nspark:/mnt/models/  /mnt/spark-models/  nfs4  ro,hard,nofail  0  0\n`;
    const m = mergeFstab(user, [models], 'x');
    const lines = m.text!.split('\n');
    expect(lines[5]).toBe('spark:/mnt/models/ /mnt/spark-models/ nfs4 ro,hard,nofail,_netdev 0 0');
    expect(lines).toHaveLength(7); // nothing appended
    expect(m.changes).toEqual(['add _netdev to the options of /mnt/spark-models (line 6)']);
    expect(mergeFstab(m.text, [models], 'x').text).toBeUndefined();
  });

  it('refuses a mount point the user mounts from something else, naming the line', () => {
    const user = `${USER_FSTAB}\n/dev/sdb1 /mnt/spark-models ext4 defaults 0 2\n`;
    expect(() => mergeFstab(user, [models], 'agx-01:/etc/fstab')).toThrow(
      'agx-01:/etc/fstab:6: /mnt/spark-models is already mounted from /dev/sdb1 (ext4); fleet does not replace it',
    );
    const other = `${USER_FSTAB}\nnas:/models /mnt/spark-models nfs defaults 0 0\n`;
    expect(() => mergeFstab(other, [models], 'x')).toThrow(/already mounted from nas:\/models \(nfs\)/);
  });

  it('reads escaped mount points and ignores commented-out entries', () => {
    const user = `# spark:/mnt/models /mnt/spark-models nfs defaults 0 0\n/dev/sdc1 /mnt/a\\040b ext4 defaults 0 2\n`;
    const m = mergeFstab(user, [models, parseNfsSpec('spark:/x:/mnt/a')], 'x');
    expect(m.text!.startsWith(user)).toBe(true);
    expect(m.changes).toHaveLength(2);
  });
});
