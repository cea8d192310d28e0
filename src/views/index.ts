/**
 * Picks the human view. The tty view (listr2/cli-progress) is imported only when it is used, so
 * pipes, CI and `--json` never load it.
 */
import type { View, ViewMode, ViewOptions } from './types.js';
import { createPlainView } from './plain.js';

export type { View, ViewMode, ViewOptions } from './types.js';

/** tty only when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org). */
export function chooseViewMode(json: boolean, env: NodeJS.ProcessEnv = process.env): ViewMode {
  if (json) return 'none';
  if (process.stdout.isTTY && !env.NO_COLOR && env.TERM !== 'dumb') return 'tty';
  return 'plain';
}

export async function createView(mode: ViewMode, options: ViewOptions): Promise<View> {
  if (mode === 'none') return { close: async () => undefined };
  if (mode === 'plain') return createPlainView(options);
  const { createTtyView } = await import('./tty.js');
  return createTtyView(options);
}
