/**
 * The part of the layer check that is not about imports (issue 9), run by `npm run lint:deps` on src/:
 * only views and front ends touch the terminal streams, and only front ends end the process, set its
 * exit code or handle signals. Operations return a typed result and ask through the injected `ask`.
 * Which folders are which comes from scripts/layers.cjs.
 */
import tseslint from 'typescript-eslint';
import layers from './scripts/layers.cjs';

const STREAMS = ['stdout', 'stderr', 'stdin'];
const CONTROL = ['exit', 'exitCode', 'on', 'once', 'off', 'addListener', 'removeListener', 'kill', 'abort'];

const streamMessage = 'only views and front ends use the terminal; return data or emit an event instead';
const controlMessage =
  'only front ends end the process, set its exit code or handle signals; return a result or throw FleetError';

/**
 * process.X, `const { X } = process` and `import { X } from 'node:process'` for each restricted X.
 * groups: [names, message][]; one rule entry per name so each report carries its own reason.
 */
function restrict(groups) {
  const each = (f) => groups.flatMap(([names, message]) => names.map((name) => f(name, message)));
  return {
    'no-restricted-properties': [
      'error',
      ...each((property, message) => ({ object: 'process', property, message })),
    ],
    'no-restricted-syntax': [
      'error',
      ...each((name, message) => ({
        selector: `VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='${name}']`,
        message: `process.${name}: ${message}`,
      })),
    ],
    'no-restricted-imports': [
      'error',
      ...groups.flatMap(([names, message]) =>
        ['process', 'node:process'].map((name) => ({ name, importNames: names, message })),
      ),
    ],
  };
}

export default tseslint.config(
  { files: ['src/**/*.ts'], languageOptions: { parser: tseslint.parser } },
  {
    files: ['src/**/*.ts'],
    ignores: layers.terminalGlobs,
    rules: restrict([
      [STREAMS, streamMessage],
      [CONTROL, controlMessage],
    ]),
  },
  {
    files: layers.terminalGlobs,
    ignores: layers.processControlGlobs,
    rules: restrict([[CONTROL, controlMessage]]),
  },
);
