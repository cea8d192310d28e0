import type { EventBus } from '../runtime/events.js';

export interface ViewOptions {
  bus: EventBus;
  /** false: host output is not printed as it arrives (`--group` prints it folded at the end). */
  streamOutput?: boolean;
  verbose?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface View {
  /** Stops live rendering and unsubscribes; call before printing anything else. */
  close(): Promise<void>;
  /** Before an exit that cannot wait for close (second Ctrl-C): gives the terminal back (cursor shown). */
  abandon?(): void;
}

export type ViewMode = 'tty' | 'plain' | 'none';
