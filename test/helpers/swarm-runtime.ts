/**
 * A Runtime for calling an operation directly against a lab, without a terminal: a plain event bus
 * (events recorded), the lab's SSH settings, a scripted asker, and reports written under `dir`.
 */
import { join } from 'node:path';
import { createSshPool } from '../../src/adapters/ssh/index.js';
import type { SshPool } from '../../src/adapters/ssh/types.js';
import { writeRunReport } from '../../src/adapters/report-files.js';
import type { HostTarget } from '../../src/core/host.js';
import { EventBus, type FleetEvent } from '../../src/runtime/events.js';
import type { Asker, Runtime } from '../../src/runtime/types.js';
import type { Lab } from '../lab/index.js';

export function labTarget(lab: Lab, name: string): HostTarget {
  const h = lab.host(name);
  return { id: name, address: h.ip, port: h.port, user: 'root', identityFiles: [lab.userKeyFile] };
}

export function labRuntime(
  lab: Lab,
  ask: Asker,
  dir: string,
): Runtime & { events: FleetEvent[]; close(): Promise<void> } {
  const bus = new EventBus();
  const events: FleetEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const controller = new AbortController();
  let pool: SshPool | undefined;
  const releasePool = async (): Promise<void> => {
    const open = pool;
    pool = undefined;
    await open?.closeAll();
  };
  return {
    bus,
    events,
    signal: controller.signal,
    ask,
    pool: () =>
      Promise.resolve(
        (pool ??= createSshPool({
          connectTimeoutMs: 10_000,
          hostKeyPolicy: 'strict',
          knownHostsFiles: [lab.knownHostsFile],
          maxConcurrentHandshakes: 8,
          retries: 1,
          retryDelayMs: 200,
          maxChannelsPerConnection: 8,
        })),
      ),
    releasePool,
    writeReport: (command, report, startedAt, path) =>
      writeRunReport(command, report, startedAt, path ?? join(dir, `${command}.json`)),
    close: releasePool,
  };
}
