/**
 * Picks the human view. The tty view (live area, chalk) is imported only when it is used, so
 * pipes, CI and `--json` never load it.
 */
import type { View, ViewMode, ViewOptions } from './types.js';
import { createPlainView } from './plain.js';

export type { View, ViewMode, ViewOptions } from './types.js';

/**
 * tty only when stdout is a terminal that reports its width and NO_COLOR is unset or empty
 * (https://no-color.org). A terminal reporting 0 columns (some serial consoles, `stty cols 0`)
 * gets the plain view: a live area cut to no width would show nothing.
 */
export function chooseViewMode(
  json: boolean,
  env: NodeJS.ProcessEnv = process.env,
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
): ViewMode {
  if (json) return 'none';
  if (stdout.isTTY && stdout.columns && !env.NO_COLOR && env.TERM !== 'dumb') return 'tty';
  return 'plain';
}

export async function createView(mode: ViewMode, options: ViewOptions): Promise<View> {
  if (mode === 'none') return { close: async () => undefined };
  if (mode === 'plain') return createPlainView(options);
  const { createTtyView } = await import('./tty.js');
  return createTtyView(options);
}
