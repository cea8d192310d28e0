/**
 * A Runtime for tests that call an operation's `run(input, runtime)` directly, without a terminal:
 * the real session (runtime/session.ts: event bus, SSH pool over ssh2, cluster lock), a scripted
 * `ask`, and reports written into a temp dir instead of ./reports. Every event is recorded, so a test
 * can assert on what the operation told its front end as well as on its typed result.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultReportPath, lastReportPath, writeReport } from '../../src/adapters/report-files.js';
import type { SshSettings } from '../../src/adapters/ssh/types.js';
import type { HostTarget } from '../../src/core/host.js';
import type { FleetEvent } from '../../src/runtime/events.js';
import { openSession, type OperationRuntime } from '../../src/runtime/session.js';
import { scriptedAsker, type Asker, type ConfirmRequest, type QuestionId } from '../../src/runtime/types.js';
import type { Lab } from '../lab/index.js';

export interface TestRuntimeOptions {
  /** SSH settings (for a lab: labSsh(lab)). */
  ssh: SshSettings;
  /** Answers for `ask`; a question without an answer cannot be asked (canAsk false). */
  answers?: Partial<Record<QuestionId, boolean>>;
  sudoPassword?: string;
  /** Where reports go; default a fresh temp dir. */
  reportsDir?: string;
}

export interface TestRuntime extends OperationRuntime {
  readonly ask: Asker & { asked: ConfirmRequest[] };
  /** Every event the operation emitted, in order. */
  readonly events: FleetEvent[];
  readonly reportsDir: string;
  /** Ends the operation and closes the session (idempotent); call in finally/afterAll. */
  close(): Promise<void>;
}

export function testRuntime(options: TestRuntimeOptions): TestRuntime {
  const reportsDir = options.reportsDir ?? mkdtempSync(join(tmpdir(), 'fleet-test-reports-'));
  const ask = scriptedAsker(options.answers ?? {});
  const session = openSession({
    ssh: options.ssh,
    sudoPassword: options.sudoPassword,
    ask,
    async writeReport(command, report, startedAt, path, lastOf) {
      const target = path ?? defaultReportPath(command, startedAt, reportsDir);
      await writeReport(target, report);
      await writeReport(lastReportPath(command, reportsDir), lastOf ? lastOf(target) : report);
      return target;
    },
  });
  const events: FleetEvent[] = [];
  session.bus.subscribe((e) => events.push(e));
  const rt = session.begin();
  return { ...rt, ask, events, reportsDir, close: () => session.close() };
}

/** The lab's SSH settings: strict host keys from the lab's known_hosts. */
export function labSsh(lab: Lab, o: { retries?: number } = {}): SshSettings {
  return {
    connectTimeoutMs: 10_000,
    hostKeyPolicy: 'strict',
    knownHostsFiles: [lab.knownHostsFile],
    maxConcurrentHandshakes: 8,
    retries: o.retries ?? 1,
    retryDelayMs: 200,
    maxChannelsPerConnection: 8,
  };
}

/** A lab host as the inventory would give it (root, the lab's key). */
export function labTarget(lab: Lab, name: string, port?: number): HostTarget {
  const h = lab.host(name);
  return { id: name, address: h.ip, port: port ?? h.port, user: 'root', identityFiles: [lab.userKeyFile] };
}
