/**
 * What `fleet status` asks every host, at the same time on two channels of one SSH connection: the
 * engine handshake, which is GET /info (is it a manager? which node is it?), and remote/host-metrics.sh.
 * One host's failure is recorded on its slot, never thrown: its row still shows the swarm's view.
 */
import { createDockerEngineWithInfo } from '../../adapters/docker/engine.js';
import type { DockerEngine, EngineInfo } from '../../adapters/docker/types.js';
import { loadRemoteScript } from '../../adapters/remote-scripts.js';
import type { SshConnection } from '../../adapters/ssh/types.js';
import { FleetError, toFleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { parseHostMetrics, type HostMetrics } from '../../core/host-metrics.js';
import type { Runtime } from '../../runtime/types.js';

export interface StatusProbe {
  target: HostTarget;
  engine?: DockerEngine;
  info?: EngineInfo;
  metrics?: HostMetrics;
  /** SSH itself failed: nothing else was asked. */
  sshError?: FleetError;
  dockerError?: FleetError;
  metricsError?: FleetError;
}

/** The probe sleeps 0.1 s between its samples; 15 s covers a slow nvidia-smi or tegrastats too. */
const METRICS_TIMEOUT_MS = 15_000;

export async function readHostMetrics(
  conn: SshConnection,
  rt: Pick<Runtime, 'signal'>,
  sudo?: { sudo: boolean; password?: string },
): Promise<HostMetrics> {
  const script = await loadRemoteScript('host-metrics.sh');
  const res = await conn.exec('sh -s', {
    stdin: script,
    timeoutMs: METRICS_TIMEOUT_MS,
    signal: rt.signal,
    sudo: sudo?.sudo,
    sudoPassword: sudo?.password,
  });
  if (res.exitCode !== 0) {
    const why = res.stderr.toString('utf8').trim().split('\n').pop() ?? '';
    throw new FleetError(
      res.timedOut ? 'timeout' : 'remote-exit',
      `host-metrics.sh ${res.timedOut ? 'timed out' : `exited ${res.exitCode ?? res.signal ?? 'without a code'}`}${why ? `: ${why}` : ''}`,
      { host: conn.host.id },
    );
  }
  return parseHostMetrics(res.stdout.toString('utf8'), conn.host.id);
}

export async function probeForStatus(
  rt: Runtime,
  target: HostTarget,
  o: {
    metrics: boolean;
    sudo?: boolean;
    /** Called once the engine part is known (it answered /info, or SSH or the engine failed). */
    onEngine?: (probe: StatusProbe) => void;
  },
  /** Filled in as answers arrive, so a caller that stops waiting still has what came (run.ts probeWithin). */
  probe: StatusProbe = { target },
): Promise<StatusProbe> {
  let conn: SshConnection;
  try {
    conn = await (await rt.pool()).connect(target, rt.signal);
  } catch (err) {
    probe.sshError = toFleetError(err);
    o.onEngine?.(probe);
    return probe;
  }
  await Promise.all([
    (async () => {
      try {
        // The handshake is GET /info itself (its answer names the API version): one request per host.
        const opened = await createDockerEngineWithInfo(conn, {
          signal: rt.signal,
          sudoPassword: rt.sudoPassword,
        });
        probe.engine = opened.engine;
        probe.info = opened.info;
      } catch (err) {
        probe.dockerError = toFleetError(err);
      }
      o.onEngine?.(probe);
    })(),
    (async () => {
      if (!o.metrics) return;
      try {
        probe.metrics = await readHostMetrics(conn, rt, { sudo: Boolean(o.sudo), password: rt.sudoPassword });
      } catch (err) {
        probe.metricsError = toFleetError(err);
      }
    })(),
  ]);
  // The engine counts its running containers (GET /info); the script does not start a docker CLI.
  if (probe.metrics && probe.info) probe.metrics.containersRunning = probe.info.containersRunning;
  return probe;
}
