#!/usr/bin/env node
/**
 * Builds the web view's page (src/frontends/ui/page/main.tsx: React, @xyflow/react, @xterm/xterm) with
 * esbuild into dist/ui/{index.html, app.js, app.css}. `fleet ui` serves these files (read from dist/ui,
 * or from the single binary, where scripts/build-binary.mjs embeds them as SEA assets ui/<file>).
 * Everything the page needs is in them: nothing is fetched from the internet at run time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from './write-build-info.mjs';

export const UI_DIST = join(ROOT, 'dist', 'ui');

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>fleet</title>
    <link rel="stylesheet" href="/app.css" />
  </head>
  <body>
    <div id="root"></div>
    <script src="/app.js"></script>
  </body>
</html>
`;

export async function buildUi() {
  mkdirSync(UI_DIST, { recursive: true });
  await esbuild.build({
    entryPoints: { app: join(ROOT, 'src', 'frontends', 'ui', 'page', 'main.tsx') },
    outdir: UI_DIST,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  writeFileSync(join(UI_DIST, 'index.html'), INDEX_HTML);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  buildUi().catch((err) => {
    console.error(`build-ui: ${err.message}`);
    process.exit(1);
  });
}
