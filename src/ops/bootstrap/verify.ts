/**
 * After the changes: `docker info` says which runtime containers (and so swarm tasks) get by default;
 * on a node that should default to nvidia, a short container with that runtime must see the GPU when
 * a GPU image is already on the node. fleet never pulls one (hosts may be air-gapped, images are GBs),
 * so without one the check is skipped with a note saying so.
 */
import type { SshConnection } from '../../adapters/ssh/types.js';
import { shQuote } from '../../adapters/ssh/quote.js';
import { FleetError } from '../../core/errors.js';
import type { Runtime } from '../../runtime/types.js';
import { rootRun } from './host.js';

/** Local images that carry the NVIDIA user-space tools: CUDA images and NVIDIA's L4T (Jetson) images. */
const GPU_IMAGE = /(^|\/)(cuda|l4t-[a-z0-9-]+)(:|$)|^nvcr\.io\/nvidia\//;

export interface VerifyResult {
  defaultRuntime: string;
  /** 'ok' | 'skipped' | 'failed' on GPU nodes with the NVIDIA default; undefined elsewhere. */
  gpuCheck?: 'ok' | 'skipped' | 'failed';
  notes: string[];
}

export async function verifyHost(
  conn: SshConnection,
  rt: Runtime,
  nvidiaDefault: boolean,
): Promise<VerifyResult> {
  const host = conn.host.id;
  rt.bus.hostState(host, 'running', 'verifying');
  const info = await rootRun(conn, rt, 'docker info', `docker info --format '{{.DefaultRuntime}}'`, {
    timeoutMs: 30_000,
  });
  const defaultRuntime = info.stdout.toString('utf8').trim();
  const notes: string[] = [];
  if (!nvidiaDefault) return { defaultRuntime, notes };
  if (defaultRuntime !== 'nvidia') {
    throw new FleetError(
      'docker',
      `${host}: docker info says the default runtime is '${defaultRuntime}', not nvidia, after daemon.json set it`,
      { host, hint: 'check /etc/docker/daemon.json and journalctl -u docker on the host' },
    );
  }
  const images = await rootRun(
    conn,
    rt,
    'listing images',
    `docker image ls --format '{{.Repository}}:{{.Tag}}'`,
    { timeoutMs: 30_000 },
  );
  const image = images.stdout
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.endsWith(':<none>') && GPU_IMAGE.test(l));
  if (image === undefined) {
    notes.push(
      'GPU container check skipped: no CUDA or L4T image on the node (fleet pulls none); load one (e.g. nvcr.io/nvidia/l4t-base) and run bootstrap again to check',
    );
    return { defaultRuntime, gpuCheck: 'skipped', notes };
  }
  // nvidia-smi on discrete GPUs; on Jetson the runtime mounts the Tegra device nodes instead.
  const probe = `docker run --rm --runtime nvidia ${shQuote(image)} sh -c 'nvidia-smi -L 2>/dev/null || ls /dev/nvhost-ctrl /dev/nvidia0 2>/dev/null'`;
  const r = await conn.exec(probe, {
    sudo: true,
    sudoPassword: rt.sudoPassword,
    signal: rt.signal,
    timeoutMs: 120_000,
  });
  const seen = r.stdout.toString('utf8').trim().split('\n')[0] ?? '';
  if (r.exitCode === 0 && seen !== '') {
    notes.push(`GPU container check with ${image}: ${seen}`);
    return { defaultRuntime, gpuCheck: 'ok', notes };
  }
  notes.push(
    `GPU container check with ${image} failed: the container saw no GPU (exit ${r.exitCode ?? r.signal})`,
  );
  return { defaultRuntime, gpuCheck: 'failed', notes };
}
