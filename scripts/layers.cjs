/**
 * The layers of src/, lowest first; a file may import only its own layer and the ones before it.
 * Read by .dependency-cruiser.cjs (imports: layers, circles, commander, p-limit) and by
 * eslint.layers.config.js (process.std*, exit codes, signals), both run by `npm run lint:deps`.
 *
 * FLEET_LAYERS=current maps today's folders onto the same layers, so the check can measure the code
 * before the restructure of issue 9 (`npm run lint:deps:current`). Delete that mapping after the move.
 *
 * Why views sit above ops: a view renders an operation's typed result and listens to its events, so it
 * imports ops' result/event types; an operation must never reach a renderer (it returns data, the front
 * end chooses the view). Front ends sit on top: they turn flags/requests into an operation's input,
 * pick a view, and own the terminal (prompts, signals, exit codes).
 */
'use strict';

const TARGET = {
  layers: [
    { name: 'core', paths: ['^src/core/'] },
    { name: 'adapters', paths: ['^src/adapters/'] },
    { name: 'runtime', paths: ['^src/runtime/'] },
    { name: 'ops', paths: ['^src/ops/'] },
    { name: 'views', paths: ['^src/views/'] },
    { name: 'frontends', paths: ['^src/frontends/'] },
  ],
  // Each folder under ops/ is one operation; operations share code only through ops/shared/.
  opUnits: 'by-folder',
  cli: ['^src/frontends/cli/'],
  // process.stdout/stderr/stdin are allowed here (globs for eslint).
  terminalGlobs: ['src/frontends/**', 'src/views/**'],
  // process.exit/exitCode and signal handlers are allowed here.
  processControlGlobs: ['src/frontends/**'],
};

const CURRENT = {
  layers: [
    { name: 'core', paths: ['^src/core/', '^src/build-info[.]ts$'] },
    { name: 'adapters', paths: ['^src/adapters/', '^src/remote-scripts[.]ts$'] },
    { name: 'runtime', paths: ['^src/pipeline/(phase|events)[.]ts$'] },
    { name: 'ops', paths: ['^src/(swarm|exec|backup|discover)/', '^src/pipeline/phases/'] },
    { name: 'views', paths: ['^src/views/'] },
    { name: 'frontends', paths: ['^src/cli/'] },
  ],
  opUnits: {
    swarm: ['^src/swarm/', '^src/pipeline/phases/'],
    exec: ['^src/exec/'],
    backup: ['^src/backup/'],
    discover: ['^src/discover/'],
  },
  cli: ['^src/cli/'],
  terminalGlobs: ['src/cli/**', 'src/views/**'],
  processControlGlobs: ['src/cli/**'],
};

const mode = process.env.FLEET_LAYERS === 'current' ? 'current' : 'target';

module.exports = { mode, ...(mode === 'current' ? CURRENT : TARGET) };
