/**
 * The single binary's bundle: src/frontends/cli/main.ts and everything it can reach, as one CommonJS file for the
 * SEA main script (which can only be CommonJS and can only require built-ins). Used by build-binary.mjs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT, buildInfoModule } from './write-build-info.mjs';

export class BundleError extends Error {}

/**
 * esbuild plugins: the real version/commit replace src/build-info.ts's defaults (no file is rewritten),
 * and ssh2's optional native add-ons become modules that throw on load, which ssh2 catches and then
 * uses its pure-JS crypto (an SEA cannot load .node files from inside the blob anyway).
 */
function plugins(info) {
  return [
    {
      name: 'fleet-build-info',
      setup(build) {
        build.onLoad({ filter: /[\\/]src[\\/]core[\\/]build-info\.ts$/ }, () => ({
          contents: buildInfoModule(info),
          loader: 'js',
        }));
      },
    },
    {
      // The SEA main script cannot import() once it carries a V8 code cache, so an import() of a
      // built-in (the AWS SDK's HTTP handler has some) becomes a lazy require like every other module.
      name: 'fleet-builtin-dynamic-import',
      setup(build) {
        build.onResolve({ filter: /^(node:)?[\w/]+$/ }, (args) => {
          if (args.kind !== 'dynamic-import' || !isBuiltin(args.path)) return undefined;
          return { path: args.path, namespace: 'fleet-builtin' };
        });
        build.onLoad({ filter: /.*/, namespace: 'fleet-builtin' }, (args) => ({
          contents: `module.exports = require(${JSON.stringify(args.path)});`,
          loader: 'js',
        }));
      },
    },
    {
      name: 'fleet-no-native-addons',
      setup(build) {
        build.onResolve({ filter: /(\.node$|^cpu-features$)/ }, (args) => ({
          path: args.path,
          namespace: 'fleet-native-stub',
        }));
        build.onLoad({ filter: /.*/, namespace: 'fleet-native-stub' }, (args) => ({
          contents: `throw new Error(${JSON.stringify(`native add-on ${args.path} is not in the single binary`)});`,
          loader: 'js',
        }));
      },
    },
  ];
}

/** esbuild options for the binary's bundle (exported for probes that bundle another entry the same way). */
export function esbuildOptions(info) {
  return {
    stdin: {
      contents:
        "import { main } from './src/frontends/cli/main.js';\n" +
        'main(process.argv).then((code) => { process.exitCode = code; });\n',
      resolveDir: ROOT,
      sourcefile: 'sea-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // Modules reached only through `await import()` stay behind lazy init wrappers, so heavy clients
    // (S3, Docker, ssh2) are evaluated only by the commands that use them.
    splitting: false,
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    sourcemap: 'external',
    metafile: true,
    logLevel: 'warning',
    // import.meta does not exist in CJS; code that locates files next to itself gets the bundle's own
    // path (in the binary: the executable's path).
    define: { 'import.meta.url': '__fleetImportMetaUrl' },
    banner: { js: 'var __fleetImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: plugins(info),
  };
}

/** Bundles into <work>/fleet.cjs (plus its source map and esbuild metafile); returns the bundle's path. */
export async function bundle(info, work) {
  const bundlePath = join(work, 'fleet.cjs');
  const result = await esbuild.build({ ...esbuildOptions(info), outfile: bundlePath });
  writeFileSync(join(work, 'meta.json'), JSON.stringify(result.metafile));
  // The code cache makes import() unusable in the SEA main script, and literal import()s were all turned
  // into requires by the plugins; one left here (a computed specifier) would fail on a user's host, so it fails
  // the build instead.
  const code = readFileSync(bundlePath, 'utf8');
  const left = /(?<![\w$.])import\(/.exec(code);
  if (left) {
    throw new BundleError(
      `the bundle keeps an import() the binary cannot run: "${code.slice(left.index, left.index + 80)}" ` +
        '(give it a literal specifier so esbuild bundles the module)',
    );
  }
  return bundlePath;
}

/**
 * The push worker thread (src/ops/push/worker.ts) as its own CommonJS bundle, embedded as the asset
 * push-worker.cjs: ops/push/threads.ts starts it with `new Worker(code, { eval: true })`, since a
 * worker cannot load a file from inside the binary. Same plugins as the main bundle (no native
 * add-ons, no import()).
 */
export async function bundleWorker(info, work) {
  const workerPath = join(work, 'push-worker.cjs');
  const { stdin: _stdin, metafile: _metafile, ...options } = esbuildOptions(info);
  await esbuild.build({
    ...options,
    entryPoints: [join(ROOT, 'src', 'ops', 'push', 'worker.ts')],
    sourcemap: false,
    outfile: workerPath,
  });
  return workerPath;
}
