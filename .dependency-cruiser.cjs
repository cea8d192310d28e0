/**
 * Import rules for src/ (issue 9), run by `npm run lint:deps`. The layers come from scripts/layers.cjs.
 * dependency-cruiser and not eslint's no-restricted-imports for these: it resolves every import (type
 * imports included, via tsPreCompilationDeps) into a graph, so it finds circles of any length and judges
 * the resolved target path, where no-restricted-imports only sees the written specifier per file.
 * Uses of the global `process` are not imports; eslint.layers.config.js checks those.
 */
'use strict';

const { layers, cli } = require('./scripts/layers.cjs');

const allLayerPaths = layers.flatMap((l) => l.paths);
const layerPaths = (name) => layers.find((l) => l.name === name).paths;

/** One rule per layer: nothing in it may import from a layer above it. */
const upwardRules = layers.slice(0, -1).map((layer, i) => {
  const above = layers.slice(i + 1);
  return {
    name: `no-upward-import-from-${layer.name}`,
    comment:
      `${layer.name} may not import from ${above.map((l) => l.name).join(', ')}. Move the shared type or ` +
      'function down into the lowest layer that needs it, or pass it in (callback, injected function).',
    severity: 'error',
    from: { path: layer.paths },
    to: { path: above.flatMap((l) => l.paths) },
  };
});

/** Operations do not import each other; what two operations share lives in ops/shared/. */
const opRules = [
  {
    name: 'no-import-between-ops',
    comment: 'an operation imports only its own folder and ops/shared/; move what both need into ops/shared/',
    severity: 'error',
    from: { path: '^src/ops/([^/]+)/' },
    to: { path: '^src/ops/', pathNot: ['^src/ops/$1/', '^src/ops/shared/'] },
  },
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import circle: split the shared part into its own module in the lowest layer that needs it',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upwardRules,
    ...opRules,
    {
      name: 'no-file-outside-layers',
      comment: `every file under src/ belongs to a layer (${layers.map((l) => l.name).join(', ')}); move it into one`,
      severity: 'error',
      from: { path: '^src/', pathNot: allLayerPaths },
      to: {},
    },
    {
      name: 'commander-only-in-cli',
      comment: 'commander (flags, help) belongs to the CLI front end; operations take a typed input',
      severity: 'error',
      from: { path: '^src/', pathNot: cli },
      to: { path: 'node_modules/commander/' },
    },
    {
      name: 'terminal-libraries-only-in-views-and-frontends',
      comment: 'chalk draws on a terminal; only views and front ends do that',
      severity: 'error',
      from: { path: '^src/', pathNot: [...layerPaths('views'), ...layerPaths('frontends')] },
      to: { path: 'node_modules/chalk/' },
    },
    {
      name: 'one-fan-out',
      comment:
        'per-host fan-out is runtime forEachHost, not a new pLimit loop (adapters keep p-limit as a semaphore ' +
        'on one shared resource: SSH channels, handshakes, Docker sockets, the passphrase prompt)',
      severity: 'error',
      from: { path: '^src/', pathNot: [...layerPaths('runtime'), ...layerPaths('adapters')] },
      to: { path: 'node_modules/p-limit/' },
    },
    {
      name: 'core-is-pure',
      comment:
        'core has no I/O: no file system, processes, network, terminal or remote clients (those are adapters)',
      severity: 'error',
      from: { path: layerPaths('core') },
      to: {
        path: [
          '^(node:)?(fs|fs/promises|child_process|http|https|http2|dns|dns/promises|tls|dgram|readline|tty|worker_threads|cluster|os|process)$',
          'node_modules/(ssh2|dockerode|@aws-sdk/[^/]+|execa|write-file-atomic|p-limit|chalk|commander)/',
        ],
      },
    },
    {
      name: 'no-dev-dependency-in-src',
      comment:
        'src/ ships in the binary; a devDependency would be missing at run time (the web page is bundled by ' +
        'esbuild at build time, scripts/build-ui.mjs, so its React and xterm.js are devDependencies)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/frontends/ui/page/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
