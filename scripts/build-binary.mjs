#!/usr/bin/env node
/**
 * Builds the single binaries dist/fleet-linux-x64 and dist/fleet-linux-arm64 with Node's Single
 * Executable Applications (SEA):
 *   1. esbuild bundles src/frontends/cli/main.ts into one CommonJS file (scripts/sea-bundle.mjs);
 *   2. the target Node runtime comes from the npm registry (`npm pack node-linux-<arch>@<version>`),
 *      checked against the sha512 pinned in scripts/node-targets.json, cached in node_modules/.cache;
 *   3. that same runtime writes the SEA blob (`--experimental-sea-config`): a blob only loads in the
 *      exact Node version that wrote it, and its V8 code cache only in the same V8 build, so the arm64
 *      blob is written by the arm64 node under qemu;
 *   4. postject injects the blob into a copy of the runtime.
 *
 *   npm run build:binary                          both targets
 *   npm run build:binary -- --target linux-x64    one target (also FLEET_BINARY_TARGETS=linux-x64)
 *
 * Rebuilds reuse the cached runtimes and skip steps 3-4 when neither the bundle nor the assets changed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { copyFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BundleError, bundle, bundleWorker } from './sea-bundle.mjs';
import { ROOT, buildInfo } from './write-build-info.mjs';
import { UI_DIST, buildUi } from './build-ui.mjs';

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const CACHE = join(ROOT, 'node_modules', '.cache', 'fleet-node-targets');
const DIST = join(ROOT, 'dist');
const WORK = join(DIST, 'sea');
const POSTJECT = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
/** Where the arm64 C/C++ runtime lives (Debian: libc6-arm64-cross, libstdc++6-arm64-cross). */
export const ARM64_SYSROOT = process.env.FLEET_ARM64_SYSROOT || '/usr/aarch64-linux-gnu';
const APT_HINT = 'apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross';

const pins = JSON.parse(readFileSync(join(ROOT, 'scripts', 'node-targets.json'), 'utf8'));

class BuildError extends Error {}

export { esbuildOptions } from './sea-bundle.mjs';

function log(line) {
  console.log(`build-binary: ${line}`);
}

function selectedTargets(argv) {
  const picked = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target') picked.push(argv[++i]);
    else if (argv[i]?.startsWith('--target=')) picked.push(argv[i].slice('--target='.length));
    else throw new BuildError(`unknown argument "${argv[i]}" (use --target linux-x64|linux-arm64)`);
  }
  if (picked.length === 0 && process.env.FLEET_BINARY_TARGETS) {
    picked.push(...process.env.FLEET_BINARY_TARGETS.split(',').map((t) => t.trim()));
  }
  const targets = picked.length ? picked : Object.keys(pins.targets);
  for (const target of targets) {
    if (!pins.targets[target]) {
      throw new BuildError(
        `unknown target "${target}"; scripts/node-targets.json has ${Object.keys(pins.targets).join(', ')}`,
      );
    }
  }
  return targets;
}

function sha512(file) {
  return 'sha512-' + createHash('sha512').update(readFileSync(file)).digest('base64');
}

/** Path of the target's `node`, fetched with npm pack and checked against the pinned integrity. */
export function nodeRuntime(target) {
  const { package: pkg, integrity } = pins.targets[target];
  const spec = `${pkg}@${pins.version}`;
  const tarball = join(CACHE, `${pkg}-${pins.version}.tgz`);
  const dir = join(CACHE, `${pkg}-${pins.version}`);
  const node = join(dir, 'node');
  const stamp = join(dir, 'integrity');
  mkdirSync(CACHE, { recursive: true });

  if (existsSync(node) && existsSync(stamp) && readFileSync(stamp, 'utf8') === integrity) return node;

  if (!existsSync(tarball)) {
    log(`npm pack ${spec}`);
    execFileSync('npm', ['pack', spec, '--pack-destination', CACHE, '--silent'], {
      cwd: CACHE,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const actual = sha512(tarball);
  if (actual !== integrity) {
    rmSync(tarball, { force: true });
    throw new BuildError(
      `${spec}: tarball integrity ${actual} does not match the pin ${integrity} in scripts/node-targets.json ` +
        '(the cached tarball was deleted; if the pin is wrong, fix it from `npm view ' +
        `${spec} dist.integrity\`)`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=2', 'package/bin/node']);
  chmodSync(node, 0o755);
  writeFileSync(stamp, integrity);
  return node;
}

/** Every remote/*.sh, keyed by file name (read back with src/adapters/remote-scripts.ts loadRemoteScript). */
function remoteAssets() {
  const dir = join(ROOT, 'remote');
  const assets = {};
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.sh')) assets[name] = join(dir, name);
  }
  return assets;
}

/** The web view's page, built now (scripts/build-ui.mjs), as ui/<file> (read back by src/adapters/ui-assets.ts). */
async function uiAssets() {
  await buildUi();
  const assets = {};
  for (const name of ['index.html', 'app.js', 'app.css']) assets[`ui/${name}`] = join(UI_DIST, name);
  return assets;
}

function which(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** argv prefix that runs a binary of `target` on this machine (arm64 under qemu on an x64 host). */
export function runnerFor(target) {
  const hostTarget = `linux-${process.arch}`;
  if (target === hostTarget) return [];
  if (target === 'linux-arm64') {
    const qemu = which('qemu-aarch64-static');
    if (!qemu || !existsSync(join(ARM64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))) {
      throw new BuildError(
        `building linux-arm64 on ${hostTarget} needs qemu-aarch64-static and the arm64 C/C++ runtime in ` +
          `${ARM64_SYSROOT} (${APT_HINT}), or build only x64 with --target linux-x64`,
      );
    }
    return [qemu, '-L', ARM64_SYSROOT];
  }
  throw new BuildError(`cannot run a ${target} binary on ${hostTarget}`);
}

function run(argv, options = {}) {
  const [command, ...args] = argv;
  return execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', ...options });
}

/** Runs a build tool with its output captured; the output is shown only when the tool fails. */
function quiet(argv) {
  const [command, ...args] = argv;
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new BuildError(`${argv.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

async function buildTarget(target, node, { assets, bundlePath, expectedVersion }) {
  const output = join(DIST, `fleet-${target}`);
  const blob = join(WORK, `${target}.blob`);
  const configFile = join(WORK, `sea-config-${target}.json`);
  const config = {
    main: bundlePath,
    output: blob,
    disableExperimentalSEAWarning: true,
    // The code cache saves V8 from parsing the whole multi-megabyte bundle at every start (about half
    // of `fleet --version`'s CPU time). It ties the blob to the V8 build that wrote it, which is why each
    // target's blob is written by that target's own node. No snapshot: the CLI has no warm state.
    useSnapshot: false,
    // FLEET_SEA_CODE_CACHE=0 builds without it (blobs then are byte-identical across architectures).
    useCodeCache: process.env.FLEET_SEA_CODE_CACHE !== '0',
    assets,
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  const hash = createHash('sha256');
  hash.update(pins.targets[target].integrity).update(JSON.stringify(config)).update(readFileSync(bundlePath));
  for (const file of Object.values(assets)) hash.update(readFileSync(file));
  const digest = hash.digest('hex');
  const stampFile = join(WORK, `${target}.stamp`);
  if (existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest) {
    log(`${relative(ROOT, output)} is up to date`);
    return output;
  }

  const runner = runnerFor(target);
  quiet([...runner, node, '--experimental-sea-config', configFile]);

  const temp = `${output}.tmp`;
  copyFileSync(node, temp);
  // postject's CLI in a child: its ELF library prints harmless section-name warnings that would bury the
  // build log, so its output is shown only when it fails.
  quiet([process.execPath, POSTJECT, temp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  chmodSync(temp, 0o755);
  renameSync(temp, output);

  // A smoke run catches a blob the runtime rejects (it would start as a bare `node` instead).
  const version = run([...runner, output, '--version']).trim();
  if (!version.includes(expectedVersion)) {
    throw new BuildError(
      `${relative(ROOT, output)} --version printed "${version}", expected ${expectedVersion}`,
    );
  }
  writeFileSync(stampFile, digest);
  return output;
}

async function mainBuild() {
  const started = performance.now();
  const targets = selectedTargets(process.argv.slice(2));
  mkdirSync(WORK, { recursive: true });
  const info = buildInfo();
  const infoLine = `${info.version} (${info.commit})`;
  // What this build stamped in, for tests: HEAD may move on while they run.
  writeFileSync(join(WORK, 'build-info.json'), JSON.stringify(info) + '\n');

  const bundlePath = await bundle(info, WORK);
  log(
    `bundle ${relative(ROOT, bundlePath)} ${(statSync(bundlePath).size / 1024).toFixed(0)} KiB, ${infoLine}`,
  );
  // The push worker thread's own bundle (src/ops/push/threads.ts starts it from this asset).
  const assets = {
    ...remoteAssets(),
    ...(await uiAssets()),
    'push-worker.cjs': await bundleWorker(info, WORK),
  };
  log(`assets: ${Object.keys(assets).join(', ') || '(none: remote/ has no .sh files)'}`);

  for (const target of targets) {
    const t0 = performance.now();
    const node = nodeRuntime(target);
    const output = await buildTarget(target, node, { assets, bundlePath, expectedVersion: infoLine });
    const mib = (statSync(output).size / 1024 / 1024).toFixed(1);
    log(`${relative(ROOT, output)} ${mib} MiB (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  mainBuild().catch((err) => {
    console.error(
      `build-binary: ${err instanceof BuildError || err instanceof BundleError ? err.message : (err.stack ?? err)}`,
    );
    process.exit(1);
  });
}
