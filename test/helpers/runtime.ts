/**
 * A Runtime for tests that call an operation's `run(input, runtime)` directly, without a terminal:
 * a real event bus and a real SSH pool (ssh2 against the lab), a scripted `ask`, and reports written
 * into a temp dir instead of ./reports. Every event is recorded, so a test can assert on what the
 * operation told its front end as well as on its typed result.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultReportPath, lastReportPath, writeReport } from '../../src/adapters/report-files.js';
import { createSshPool } from '../../src/adapters/ssh/pool.js';
import type { SshPool, SshSettings } from '../../src/adapters/ssh/types.js';
import { EventBus, type FleetEvent } from '../../src/runtime/events.js';
import {
  scriptedAsker,
  type Asker,
  type ConfirmRequest,
  type QuestionId,
  type Runtime,
} from '../../src/runtime/types.js';

export interface TestRuntimeOptions {
  /** SSH settings (for a lab: strict host keys with lab.knownHostsFile). */
  ssh: SshSettings;
  /** Answers for `ask`; a question without an answer cannot be asked (canAsk false). */
  answers?: Partial<Record<QuestionId, boolean>>;
  sudoPassword?: string;
  /** Where reports go; default a fresh temp dir. */
  reportsDir?: string;
}

export interface TestRuntime extends Runtime {
  readonly ask: Asker & { asked: ConfirmRequest[] };
  /** Every event the operation emitted, in order. */
  readonly events: FleetEvent[];
  readonly reportsDir: string;
  /** Aborts the run, as a first Ctrl-C would. */
  abort(): void;
  /** Closes the pool (idempotent); call in afterEach/afterAll. */
  close(): Promise<void>;
}

export function testRuntime(options: TestRuntimeOptions): TestRuntime {
  const bus = new EventBus();
  const events: FleetEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const settings: SshSettings = { ...options.ssh, warn: (message, host) => bus.log('warn', message, host) };
  const controller = new AbortController();
  const reportsDir = options.reportsDir ?? mkdtempSync(join(tmpdir(), 'fleet-test-reports-'));
  let pool: SshPool | undefined;
  const releasePool = async (): Promise<void> => {
    const open = pool;
    pool = undefined;
    await open?.closeAll().catch(() => undefined);
  };
  return {
    bus,
    events,
    reportsDir,
    signal: controller.signal,
    ask: scriptedAsker(options.answers ?? {}),
    sudoPassword: options.sudoPassword,
    pool: () => Promise.resolve((pool ??= createSshPool(settings, bus))),
    releasePool,
    async writeReport(command, report, startedAt, path, lastOf) {
      const target = path ?? defaultReportPath(command, startedAt, reportsDir);
      await writeReport(target, report);
      await writeReport(lastReportPath(command, reportsDir), lastOf ? lastOf(target) : report);
      return target;
    },
    lockCluster: () => Promise.reject(new Error('testRuntime takes no cluster lock')),
    onForceExit: () => undefined,
    abort: () => controller.abort(),
    close: releasePool,
  };
}
