/**
 * The web view's page (index.html, app.js, app.css), built by scripts/build-ui.mjs with esbuild. In the
 * single binary they are SEA assets named `ui/<file>` (scripts/build-binary.mjs embeds them like the
 * remote/*.sh scripts); everywhere else they are read from dist/ui/ of the repository.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetError } from '../core/errors.js';
import { seaModule } from './remote-scripts.js';

export const UI_ASSET_FILES = ['index.html', 'app.js', 'app.css'] as const;
export type UiAssetName = (typeof UI_ASSET_FILES)[number];

const cache = new Map<UiAssetName, Promise<Buffer>>();

export function loadUiAsset(name: UiAssetName): Promise<Buffer> {
  let data = cache.get(name);
  if (!data) {
    data = load(name);
    data.catch(() => cache.delete(name));
    cache.set(name, data);
  }
  return data;
}

async function load(name: UiAssetName): Promise<Buffer> {
  const sea = seaModule();
  if (sea?.isSea()) {
    try {
      return Buffer.from(sea.getAsset(`ui/${name}`));
    } catch (cause) {
      throw new FleetError('internal', `the web view's ${name} is not embedded in this binary`, {
        hint: 'rebuild it with npm run build:binary',
        cause,
      });
    }
  }
  const file = join(uiDir(), name);
  try {
    return await readFile(file);
  } catch (cause) {
    throw new FleetError('internal', `cannot read the web view's ${file}`, {
      hint: 'build the page first: npm run build',
      cause,
    });
  }
}

/** dist/ui at the repository root: three levels above src/adapters/, three above dist/js/adapters/. */
function uiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'dist', 'ui'), join(here, '..', '..', '..', 'dist', 'ui')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}
