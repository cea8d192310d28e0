/**
 * The layers of src/, lowest first; a file may import only its own layer and the ones before it.
 * Read by .dependency-cruiser.cjs (imports: layers, circles, commander, p-limit) and by
 * eslint.layers.config.js (process.std*, exit codes, signals), both run by `npm run lint:deps`.
 *
 * Why views sit above ops: a view renders an operation's typed result and listens to its events, so it
 * imports ops' result/event types; an operation must never reach a renderer (it returns data, the front
 * end chooses the view). Front ends sit on top: they turn flags/requests into an operation's input,
 * pick a view, and own the terminal (prompts, signals, exit codes).
 */
'use strict';

module.exports = {
  layers: [
    { name: 'core', paths: ['^src/core/'] },
    { name: 'adapters', paths: ['^src/adapters/'] },
    { name: 'runtime', paths: ['^src/runtime/'] },
    { name: 'ops', paths: ['^src/ops/'] },
    { name: 'views', paths: ['^src/views/'] },
    { name: 'frontends', paths: ['^src/frontends/'] },
  ],
  cli: ['^src/frontends/cli/'],
  // process.stdout/stderr/stdin are allowed here (globs for eslint).
  terminalGlobs: ['src/frontends/**', 'src/views/**'],
  // process.exit/exitCode and signal handlers are allowed here.
  processControlGlobs: ['src/frontends/**'],
};
