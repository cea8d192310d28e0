/**
 * How the CLI runs an operation: SSH settings and sudo password from the flags, the view, Ctrl-C
 * handling, then the operation with a Runtime, then everything closed again. Temporary body over
 * runtime/session.ts openRunSession (package B moves the view and signal handling here).
 */
import { writeRunReport } from '../../adapters/report-files.js';
import type { HostTarget } from '../../core/host.js';
import { openRunSession } from '../../runtime/session.js';
import type { Runtime } from '../../runtime/types.js';
import { cliAsker } from './ask.js';
import type { SshCliOptions } from './ssh-options.js';

export interface CliRunOptions {
  json?: boolean;
  streamOutput?: boolean;
  warnings?: string[];
  /** facts and score open no view and install no Ctrl-C handler today: they pass false, false. */
  view?: boolean;
  handleSignals?: boolean;
  /** "stopping remote commands and writing the report" — the text after "interrupted: ". */
  onInterrupt: string;
}

/**
 * Opens session + view + Ctrl-C handling, builds the Runtime, runs `op`, closes everything in the
 * same order as today (pool first, then view, then signal handlers).
 */
export async function runWithCli<R>(
  ssh: SshCliOptions,
  targets: HostTarget[],
  o: CliRunOptions,
  op: (rt: Runtime) => Promise<R>,
): Promise<R> {
  if (o.view === false || o.handleSignals === false) {
    // openRunSession always opens both; package B's body honours these. Fail loudly, not silently.
    throw new Error('runWithCli: view/handleSignals false are not supported before package B');
  }
  const session = await openRunSession(ssh, targets, {
    json: o.json,
    streamOutput: o.streamOutput,
    warnings: o.warnings,
    onInterrupt: o.onInterrupt,
  });
  const runtime: Runtime = {
    bus: session.bus,
    signal: session.signal,
    ask: cliAsker(),
    sudoPassword: session.sudoPassword,
    pool: () => session.pool(),
    releasePool: () => session.closePool(),
    writeReport: (command, report, startedAt, path, lastOf) =>
      writeRunReport(command, report, startedAt, path, lastOf),
  };
  try {
    return await op(runtime);
  } finally {
    await session.close();
  }
}
