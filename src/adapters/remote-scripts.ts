/**
 * The POSIX sh scripts under remote/ that fleet runs on hosts. In the single binary they are SEA assets
 * (scripts/build-binary.mjs embeds every remote/*.sh under its file name); everywhere else (tsc output in
 * dist/js/, src/ under tsx or vitest, the plain bundle) they are read from the repository's remote/ folder.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetError } from '../core/errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.sh$/;

const cache = new Map<string, Promise<string>>();

/** Returns the text of remote/<name> (e.g. `facts.sh`). */
export function loadRemoteScript(name: string): Promise<string> {
  if (!NAME.test(name)) {
    return Promise.reject(
      new FleetError('internal', `remote script name "${name}" is not a plain file name like facts.sh`),
    );
  }
  let text = cache.get(name);
  if (!text) {
    text = load(name);
    // A failed read is not cached, so a later call (e.g. after the file appears) can succeed.
    text.catch(() => cache.delete(name));
    cache.set(name, text);
  }
  return text;
}

async function load(name: string): Promise<string> {
  const sea = seaModule();
  if (sea?.isSea()) {
    try {
      return sea.getAsset(name, 'utf8');
    } catch (cause) {
      throw new FleetError('internal', `remote script ${name} is not embedded in this binary`, {
        hint: 'rebuild it with npm run build:binary',
        cause,
      });
    }
  }
  const file = join(remoteDir(), name);
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new FleetError('internal', `cannot read remote script ${file}`, { cause });
  }
}

/**
 * `node:sea` exists from Node 20.12 / 22 but not in older runtimes, so it is looked up, not imported.
 * process.getBuiltinModule (not `import()`) because the SEA main script of Node 22 cannot import() at
 * all, and esbuild leaves an import() of a built-in in place.
 */
export function seaModule(): typeof import('node:sea') | undefined {
  try {
    return process.getBuiltinModule?.('node:sea');
  } catch {
    return undefined;
  }
}

/** remote/ sits at the repository root: two levels above src/adapters/, three above dist/js/adapters/. */
function remoteDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'remote'), join(here, '..', '..', '..', 'remote')];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
}
