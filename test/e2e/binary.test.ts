/**
 * The single binaries, end to end: built by `npm run build:binary`, the x64 one copied alone into an
 * empty folder and run with no `node` on PATH against the lab (exec, up, push from worker threads); the arm64 one under
 * qemu-aarch64-static (--version, exec). Plus the start-up rule: `--version` and `--help` load none of
 * the heavy modules. Lab id `bin`, subnet 13.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runnerFor } from '../../scripts/build-binary.mjs';
import type { BuildInfo } from '../../scripts/write-build-info.mjs';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, startS3Server } from '../helpers/s3-server.js';
import { startLab, type Lab } from '../lab/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const X64 = join(ROOT, 'dist', 'fleet-linux-x64');
const ARM64 = join(ROOT, 'dist', 'fleet-linux-arm64');
const HOSTS = ['spark', 'agx-01', 'agx-02'];
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const HEAVY = ['ssh2', 'dockerode', 'docker-modem', '@aws-sdk/', '@smithy/', 'ajv'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Async, so the lab's daemons (run by this process's children) are never blocked by a sync wait. */
function run(
  argv: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Run> {
  const [command, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const show = (r: Run): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** A PATH folder holding every system command except node/npm: what a CI runner or the Spark has. */
function pathWithoutNode(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const source of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!existsSync(source)) continue;
    for (const name of readdirSync(source)) {
      if (/^(node|nodejs|npm|npx|corepack)$/.test(name) || existsSync(join(dir, name))) continue;
      symlinkSync(join(source, name), join(dir, name));
    }
  }
  return dir;
}

let lab: Lab | undefined;
let work: string;
let binDir: string;
let env: Record<string, string>;
let inventory: string;

beforeAll(async () => {
  const build = spawnSync(process.execPath, ['scripts/build-binary.mjs'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (build.status !== 0) throw new Error(`npm run build:binary failed:\n${build.stdout}\n${build.stderr}`);

  work = mkdtempSync(join(tmpdir(), 'fleet-bin-'));
  binDir = join(work, 'only-fleet');
  mkdirSync(binDir);
  copyFileSync(X64, join(binDir, 'fleet'));
  spawnSync('chmod', ['755', join(binDir, 'fleet')]);
  const path = pathWithoutNode(join(work, 'path'));

  lab = await startLab({ id: 'bin', subnet: 13, hosts: HOSTS.map((name) => ({ name })) });
  env = { PATH: path, HOME: lab.home, NO_COLOR: '1', LANG: 'C.UTF-8' };
  inventory = lab.writeInventory(join(work, 'run', 'nodes.yml'));
}, 900_000);

afterAll(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

const cwd = (): string => join(work, 'run');
const fleet = (args: string[], timeoutMs?: number, extraEnv: Record<string, string> = {}): Promise<Run> =>
  run([join(binDir, 'fleet'), ...args], { cwd: cwd(), env: { ...env, ...extraEnv }, timeoutMs });
const fleetArm64 = (args: string[], timeoutMs?: number): Promise<Run> =>
  run([...runnerFor('linux-arm64'), ARM64, ...args], { cwd: cwd(), env, timeoutMs });

describe('x64 binary, alone, no node on PATH', () => {
  it('has nothing beside it and no node to lean on', async () => {
    expect(readdirSync(binDir)).toEqual(['fleet']);
    const which = await run(['sh', '-c', 'command -v node || command -v nodejs'], { cwd: cwd(), env });
    expect(which.code, `node found on the test PATH: ${which.stdout}`).not.toBe(0);
  });

  it('--version prints the version and the commit it was built from', async () => {
    const built = JSON.parse(readFileSync(join(ROOT, 'dist/sea/build-info.json'), 'utf8')) as BuildInfo;
    const r = await fleet(['--version']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim()).toBe(`${VERSION} (${built.commit})`);
    const commit = /^([0-9a-f]{12})(\+dirty)?$/.exec(built.commit)?.[1];
    expect(commit, `commit "${built.commit}" is not a short hash`).toBeDefined();
    const known = spawnSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: ROOT });
    expect(known.status, `${commit} is not a commit of this repository`).toBe(0);
  });

  it('embeds every remote/*.sh as an asset', () => {
    const binary = readFileSync(join(binDir, 'fleet'));
    const scripts = readdirSync(join(ROOT, 'remote')).filter((n) => n.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const name of scripts) {
      expect(binary.includes(readFileSync(join(ROOT, 'remote', name))), `${name} not in the binary`).toBe(
        true,
      );
    }
  });

  it('exec --all runs hostname on every lab host', async () => {
    const r = await fleet(['exec', '--all', '-f', inventory, '--', 'hostname']);
    expect(r.code, show(r)).toBe(0);
    for (const host of HOSTS) expect(r.stdout).toMatch(new RegExp(`^${host}: ${host}$`, 'm'));
  });

  it('exec -n runs only on the named host', async () => {
    const r = await fleet(['exec', '-n', 'agx-02', '-f', inventory, '--', 'hostname']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^agx-02: agx-02$/m);
    expect(r.stdout).not.toMatch(/^(spark|agx-01):/m);
  });

  it('push spreads the hosts over worker threads started from the embedded bundle; every host verifies', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    writeFileSync(join(cwd(), 'threads.bin'), data);
    const r = await fleet(
      ['push', '--all', '-f', inventory, '--mkdir', 'threads.bin', '/srv/bin-threads/'],
      undefined,
      { FLEET_PUSH_THREADS: '3' },
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).toMatch(/to 3 hosts from 3 threads/);
    const want = createHash('sha256').update(data).digest('hex');
    for (const host of HOSTS) {
      const sum = await lab!.exec(host, 'sha256sum /srv/bin-threads/threads.bin');
      expect(sum.stdout.slice(0, 64), host).toBe(want);
    }
  });

  it('up forms a 3-node swarm from nodes.yml', async () => {
    const r = await fleet(['up', '-f', inventory, '--yes'], 300_000);
    expect(r.code, show(r)).toBe(0);
    const nodes = await lab!.exec('spark', "docker node ls --format '{{.Hostname}} {{.Status}}'");
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.trim().split('\n').sort()).toEqual(HOSTS.map((h) => `${h} Ready`).sort());
  });

  it('backup streams host paths into S3 through the bundled AWS SDK (multipart upload)', async () => {
    const s3 = await startS3Server(['fleet-backups']);
    try {
      const creds = {
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      };
      const store = ['--to', 's3://fleet-backups/bin', '--s3-endpoint', s3.endpoint];
      // 12 MiB of incompressible data on one host: lib-storage splits it into several parts.
      const big = await lab!.exec(
        'agx-01',
        'mkdir -p /srv/big && head -c 12582912 /dev/urandom > /srv/big/blob',
      );
      expect(big.code, big.stderr).toBe(0);
      const r = await fleet(
        [
          'backup',
          '-f',
          inventory,
          '-n',
          'agx-01',
          '--only',
          'paths',
          '--path',
          '/srv/big',
          '--no-gzip',
          ...store,
        ],
        300_000,
        creds,
      );
      expect(r.code, show(r)).toBe(0);
      const ls = await fleet(['backup', 'ls', '-f', inventory, ...store], 60_000, creds);
      expect(ls.code, show(ls)).toBe(0);

      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
      });
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'fleet-backups', Prefix: 'bin/' }));
      client.destroy();
      const objects = listed.Contents ?? [];
      expect(
        objects.some((o) => o.Key?.endsWith('manifest.json')),
        JSON.stringify(objects),
      ).toBe(true);
      expect(
        objects.some((o) => (o.Size ?? 0) > 12_000_000),
        JSON.stringify(objects),
      ).toBe(true);
      const id = objects.find((o) => o.Key?.endsWith('manifest.json'))!.Key!.split('/')[1]!;
      expect(ls.stdout).toContain(id);
    } finally {
      await s3.dispose();
    }
  });
});

describe('arm64 binary under qemu-aarch64-static', () => {
  it('--version prints the same version line', async () => {
    const x = await fleet(['--version']);
    const r = await fleetArm64(['--version']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe(x.stdout);
  });

  it('exec -n runs hostname on a lab host', async () => {
    const r = await fleetArm64(['exec', '-n', 'agx-01', '-f', inventory, '--', 'hostname'], 300_000);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^agx-01: agx-01$/m);
  });
});

describe('start-up stays light', () => {
  // A resolve hook records every module the CLI loads; heavy clients must wait for their command.
  const hook =
    'import { appendFileSync } from "node:fs";' +
    'export async function resolve(s, c, next) { const r = await next(s, c);' +
    ' appendFileSync(process.env.FLEET_TRACE_FILE, r.url + "\\n"); return r; }';
  const register =
    'import { register } from "node:module";' +
    'register("data:text/javascript," + encodeURIComponent(process.env.FLEET_TRACE_HOOK));';

  for (const args of [['--version'], ['--help']]) {
    it(`fleet ${args.join(' ')} loads none of ${HEAVY.join(', ')}`, async () => {
      const entry = join(work, 'trace-entry.mts');
      const trace = join(work, `trace${args.join('')}.txt`);
      writeFileSync(
        entry,
        `import { main } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/frontends/cli/main.ts')).href)};\n` +
          'process.exitCode = await main(process.argv);\n',
      );
      writeFileSync(trace, '');
      const r = await run(
        [
          process.execPath,
          '--import',
          'tsx',
          '--import',
          `data:text/javascript,${encodeURIComponent(register)}`,
          entry,
          ...args,
        ],
        {
          cwd: ROOT,
          env: { ...process.env, FLEET_TRACE_FILE: trace, FLEET_TRACE_HOOK: hook } as Record<string, string>,
        },
      );
      expect(r.code, show(r)).toBe(0);
      const loaded = readFileSync(trace, 'utf8')
        .split('\n')
        .filter((url) => url.includes('/node_modules/'))
        .map((url) => url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length));
      expect(
        loaded.some((m) => m.startsWith('commander/')),
        'the trace hook saw nothing',
      ).toBe(true);
      const heavy = loaded.filter((m) => HEAVY.some((h) => m.startsWith(h)));
      expect(heavy, 'import these inside the command action instead').toEqual([]);
    });
  }
});
