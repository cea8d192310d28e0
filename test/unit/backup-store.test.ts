import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/adapters/s3/local-store.js';
import { S3Store } from '../../src/adapters/s3/s3-store.js';
import type { BackupStore } from '../../src/adapters/s3/types.js';
import { FleetError } from '../../src/core/errors.js';
import { redact } from '../../src/core/redact.js';
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from '../helpers/s3-server.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Feeds `data` in 1 MiB chunks, as a tar stream from a host would arrive. */
function chunked(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += 1 << 20) yield data.subarray(i, i + (1 << 20));
    })(),
  );
}

let s3: TestS3Server;
let localDir: string;
const stores: Record<string, BackupStore> = {};

beforeAll(async () => {
  s3 = await startS3Server(['fleet-backups']);
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  localDir = await mkdtemp(join(tmpdir(), 'fleet-local-store-'));
  stores.local = new LocalStore(localDir);
  stores.s3 = await S3Store.open({
    bucket: 'fleet-backups',
    prefix: 'lab/cluster-a',
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
  });
});

afterAll(async () => {
  for (const store of Object.values(stores)) await store.close();
  await s3?.dispose();
  if (localDir) await rm(localDir, { recursive: true, force: true });
});

describe.each(['local', 's3'])('%s store', (name) => {
  const store = (): BackupStore => stores[name]!;

  it('streams a multi-part object in and reads back the same bytes', async () => {
    const data = randomBytes(13 * 1024 * 1024 + 123);
    const { size } = await store().put('20250101T000000Z/agx-01/path-etc-fleet.tar.gz', chunked(data));
    expect(size).toBe(data.length);
    const back = await readAll(await store().get('20250101T000000Z/agx-01/path-etc-fleet.tar.gz'));
    expect(back.length).toBe(data.length);
    expect(sha(back)).toBe(sha(data));
  });

  it('lists keys relative to its root, sorted, filtered by prefix', async () => {
    await store().putBytes('20250101T000000Z/manifest.json', '{}');
    await store().putBytes('20250202T000000Z/spark/swarm.tar.gz', Buffer.from('x'));
    const all = await store().list();
    expect(all.map((o) => o.key)).toEqual([
      '20250101T000000Z/agx-01/path-etc-fleet.tar.gz',
      '20250101T000000Z/manifest.json',
      '20250202T000000Z/spark/swarm.tar.gz',
    ]);
    expect(all[1]!.size).toBe(2);
    const one = await store().list('20250202T000000Z/');
    expect(one.map((o) => o.key)).toEqual(['20250202T000000Z/spark/swarm.tar.gz']);
  });

  it('deletes objects', async () => {
    await store().delete(['20250202T000000Z/spark/swarm.tar.gz']);
    expect((await store().list('20250202T000000Z/')).length).toBe(0);
  });

  it('reports a missing object as a storage error naming the key', async () => {
    const err = await store()
      .get('nope/missing.tar')
      .then(async (s) => readAll(s))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe('storage');
    expect((err as FleetError).message).toContain('missing.tar');
  });

  it('fails the put when the source stream fails, leaving no object behind', async () => {
    const source = new PassThrough();
    const put = store().put('20250303T000000Z/agx-02/volume-data.tar', source);
    source.write(randomBytes(64 * 1024));
    setImmediate(() => source.destroy(new Error('tar exited 2')));
    const err = await put.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe('storage');
    expect((await store().list('20250303T000000Z/')).length).toBe(0);
  });
});

describe('local store specifics', () => {
  it('stores secrets owner-readable only', async () => {
    await stores.local!.putBytes('20250404T000000Z/swarm-unlock-key', 'SWMKEY-1-abc', { secret: true });
    const info = await stat(join(localDir, '20250404T000000Z', 'swarm-unlock-key'));
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('removes folders a delete leaves empty', async () => {
    await stores.local!.delete(['20250404T000000Z/swarm-unlock-key']);
    expect(await readdir(localDir)).not.toContain('20250404T000000Z');
  });

  it('refuses keys that escape the backup folder', async () => {
    await expect(stores.local!.putBytes('../outside', 'x')).rejects.toThrow(/outside/);
  });
});

describe('s3 store specifics', () => {
  it('has a location without credentials and registers the secret key for redaction', () => {
    expect(stores.s3!.location).toBe('s3://fleet-backups/lab/cluster-a');
    expect(redact(`key=${S3RVER_CREDENTIALS.secretAccessKey}`)).not.toContain(
      S3RVER_CREDENTIALS.secretAccessKey,
    );
  });

  it('fails clearly when the server stops mid-upload and completes no object', async () => {
    const source = new PassThrough();
    const put = stores.s3!.put('20250505T000000Z/agx-03/path-big.tar', source);
    // Two full parts reach the server, then it goes away while more data is flowing.
    for (let i = 0; i < 20; i++) source.write(randomBytes(1 << 20));
    await new Promise((r) => setTimeout(r, 300));
    await s3.stop();
    for (let i = 0; i < 20; i++) source.write(randomBytes(1 << 20));
    source.end();
    const err = await put.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe('storage');
    expect((err as FleetError).message).toContain(
      's3://fleet-backups/lab/cluster-a/20250505T000000Z/agx-03/path-big.tar',
    );
    await s3.start();
    expect(await stores.s3!.list('20250505T000000Z/')).toEqual([]);
  });
});

describe('LocalStore file modes (issue 8 #7)', () => {
  it('writes every object 0600 in 0700 folders, also over an existing 0644 file and 0755 folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fleet-modes-'));
    const { chmod, mkdir, writeFile } = await import('node:fs/promises');
    try {
      await mkdir(join(root, '20250101T000000Z', 'spark'), { recursive: true, mode: 0o755 });
      await chmod(join(root, '20250101T000000Z'), 0o755);
      await writeFile(join(root, '20250101T000000Z', 'spark', 'swarm.tar.gz'), 'old', { mode: 0o644 });
      const local = new LocalStore(root);
      await local.put('20250101T000000Z/spark/swarm.tar.gz', Readable.from([Buffer.from('raft')]));
      await local.putBytes('20250101T000000Z/manifest.json', '{}');
      await local.put('20250101T000000Z/agx-01/path-etc.tar', Readable.from([Buffer.from('etc')]));
      const mode = async (p: string): Promise<string> =>
        ((await stat(join(root, p))).mode & 0o777).toString(8);
      expect(await mode('20250101T000000Z')).toBe('700');
      expect(await mode('20250101T000000Z/spark')).toBe('700');
      expect(await mode('20250101T000000Z/agx-01')).toBe('700');
      expect(await mode('20250101T000000Z/spark/swarm.tar.gz')).toBe('600');
      expect(await mode('20250101T000000Z/manifest.json')).toBe('600');
      expect(await mode('20250101T000000Z/agx-01/path-etc.tar')).toBe('600');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
