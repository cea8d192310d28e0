/** Runs remote/facts.sh on a host (script on stdin, nothing on the command line) and parses it. */
import type { SshConnection } from '../../adapters/ssh/types.js';
import { FleetError } from '../../core/errors.js';
import { parseFacts, type Facts } from '../../core/facts.js';
import { loadRemoteScript } from '../../adapters/remote-scripts.js';
import type { HostFactsView } from '../swarm/context.js';

export async function readFacts(conn: SshConnection, signal?: AbortSignal): Promise<HostFactsView> {
  const script = await loadRemoteScript('facts.sh');
  const res = await conn.exec('sh -s', { stdin: script, timeoutMs: 60_000, signal });
  if (res.exitCode !== 0) {
    const why = res.stderr.toString('utf8').trim().split('\n').pop() ?? '';
    throw new FleetError(
      'remote-exit',
      `facts.sh exited ${res.exitCode ?? res.signal ?? 'without a code'}: ${why}`,
      {
        host: conn.host.id,
      },
    );
  }
  return factsView(parseFacts(res.stdout.toString('utf8'), { host: conn.host.id }));
}

export function factsView(facts: Facts): HostFactsView {
  return {
    hostname: facts.hostname,
    arch: facts.arch,
    deviceType: facts.deviceType,
    gpuModel: facts.gpus[0]?.name,
    raw: facts,
  };
}
