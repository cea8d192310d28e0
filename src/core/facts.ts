/**
 * Host facts: the typed result of running remote/facts.sh on a host. `parseFacts` turns the script's
 * `key=value` output into `Facts`; scoring (scoring.ts), role assignment and node labels read only this.
 */
import {
  cpuModelName,
  deviceType,
  isJetson,
  jetsonGpuName,
  tegraSoc,
  type DeviceType,
} from './facts-device.js';
import { FactReader, parseFactLines, type ParseContext } from './facts-lines.js';

export { DEVICE_TYPES, type DeviceType } from './facts-device.js';

export const DISK_KINDS = ['nvme', 'ssd', 'hdd', 'sd-emmc', 'unknown'] as const;
/** Kind of the disk holding the Docker root (where a manager keeps its Raft log). */
export type DiskKind = (typeof DISK_KINDS)[number];

/**
 * Why Docker facts are missing: `absent` = no docker CLI; `permission-denied` = the login user cannot
 * reach the socket (not root, not in the docker group); `unreachable` = daemon not running;
 * `timeout` = the daemon hung; `error` = anything else (see `error`); `deferred` = not probed by the
 * script (`facts.sh --docker-from-api`): the caller reads the engine through its API and fills these
 * facts in with dockerFactsFromEngine.
 */
export type DockerStatus =
  'ok' | 'absent' | 'permission-denied' | 'unreachable' | 'timeout' | 'error' | 'deferred';
export const SWARM_STATES = ['inactive', 'pending', 'active', 'error', 'locked'] as const;
export type SwarmState = (typeof SWARM_STATES)[number];

export interface SwarmFacts {
  /** Docker's LocalNodeState. */
  state: SwarmState;
  nodeId?: string;
  clusterId?: string;
  /** manager when ControlAvailable, worker otherwise; undefined when not in a swarm. */
  role?: 'manager' | 'worker';
  /** The address this node advertises to the swarm. */
  nodeAddr?: string;
}

export type DockerFacts =
  | { status: 'ok'; version: string; apiVersion?: string; swarm: SwarmFacts }
  | { status: Exclude<DockerStatus, 'ok'>; error?: string; clientVersion?: string };

export interface GpuFacts {
  name: string;
  /** Dedicated GPU memory; null when shared with the CPU (Jetson, DGX Spark's unified memory: `[N/A]`). */
  memoryBytes: number | null;
  driver?: string;
  /** Part of the SoC, sharing system memory (Jetson iGPU, GB10). */
  integrated: boolean;
}

export interface Facts {
  hostname: string;
  /** `uname -m`: x86_64, aarch64, armv7l… (the same spelling `docker node inspect` uses). */
  arch: string;
  os: { id: string; name: string; version: string; codename?: string };
  kernel: string;
  /** The login user the probe ran as. */
  user?: { name: string; uid: number };
  cpu: { model: string; cores: number };
  memoryBytes: number;
  disk: {
    kind: DiskKind;
    /** Whole-disk size; null when the disk could not be found (overlay, btrfs subvolumes…). */
    sizeBytes: number | null;
    /** Free space on the file system holding the Docker root. */
    availableBytes: number | null;
    /** Block device name (nvme0n1, mmcblk0, sda). */
    device: string | null;
    dockerRoot: string;
  };
  gpus: GpuFacts[];
  /** Set on NVIDIA Jetson boards (L4T). */
  jetson?: { model: string; l4t: string; soc?: string };
  /** Device-tree model or DMI product, for display. */
  board?: string;
  deviceType: DeviceType;
  docker: DockerFacts;
  /** The interface of the default route. Speed null for Wi-Fi and links that do not report one. */
  link: { iface: string | null; speedMbps: number | null; wireless: boolean };
  /** `epoch` is the host's clock (seconds) when the probe ran; see estimateClockSkewSeconds. */
  clock: { epoch: number; offsetSeconds?: number; synced?: boolean; source?: string };
  /** Every key the script printed, for forward compatibility and `fleet facts --json`. */
  raw: Record<string, string>;
}

/** Parses remote/facts.sh output. Throws FleetError('remote-exit') naming the line on malformed input. */
export function parseFacts(text: string, ctx: ParseContext = {}): Facts {
  const r = new FactReader(parseFactLines(text, ctx), ctx);
  const arch = r.required('arch');
  const gpus = parseGpus(r);
  const board = {
    arch,
    boardModel: r.str('board.model'),
    compatible: r.str('board.compatible'),
    l4tRelease: r.str('l4t.release'),
    dmiProduct: r.str('dmi.product'),
    dgxName: r.str('dgx.name'),
    gpuNames: gpus.map((g) => g.name),
  };
  let jetson: Facts['jetson'];
  if (isJetson(board)) {
    const soc = tegraSoc(board.compatible);
    jetson = { model: board.boardModel ?? 'Jetson', l4t: board.l4tRelease ?? 'unknown', soc };
    // L4T has no nvidia-smi: the integrated GPU is known from the SoC, sharing system memory.
    if (gpus.length === 0) gpus.push({ name: jetsonGpuName(soc), memoryBytes: null, integrated: true });
  }
  const uid = r.int('user.uid');
  const userName = r.str('user.name');
  const facts: Facts = {
    hostname: r.required('hostname'),
    arch,
    os: {
      id: r.str('os.id') ?? 'linux',
      name: r.str('os.name') ?? 'Linux',
      version: r.str('os.version') ?? '',
      codename: r.str('os.codename'),
    },
    kernel: r.str('kernel') ?? '',
    user: uid !== undefined ? { name: userName ?? String(uid), uid } : undefined,
    cpu: { model: cpuModelName(r.str('cpu.model'), r.str('cpu.parts')), cores: r.int('cpu.cores') ?? 0 },
    memoryBytes: (r.int('mem.total_kb') ?? 0) * 1024,
    disk: parseDisk(r),
    gpus,
    jetson,
    board: board.boardModel ?? r.str('dgx.name') ?? dmiBoard(r),
    deviceType: deviceType(board),
    docker: parseDocker(r),
    link: {
      iface: r.str('net.iface') ?? null,
      speedMbps: r.int('net.speed_mbps') ?? null,
      wireless: r.bool('net.wireless') ?? false,
    },
    clock: {
      epoch: r.int('epoch') ?? 0,
      offsetSeconds: r.num('clock.offset_seconds'),
      synced: r.bool('clock.synced'),
      source: r.str('clock.source'),
    },
    raw: r.raw(),
  };
  return facts;
}

function dmiBoard(r: FactReader): string | undefined {
  const vendor = r.str('dmi.vendor');
  const product = r.str('dmi.product');
  if (!product) return undefined;
  return vendor && !product.startsWith(vendor) ? `${vendor} ${product}` : product;
}

/** "24564 MiB" (nvidia-smi csv), a bare MiB number (nounits), or "[N/A]" on unified memory. */
export function parseGpuMemory(value: string | undefined): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB)?\s*$/i.exec(value ?? '');
  if (!m) return null;
  const unit = (m[2] ?? 'MiB').toLowerCase();
  const mult = unit === 'kib' ? 1024 : unit === 'gib' ? 1024 ** 3 : 1024 ** 2;
  return Math.round(Number(m[1]) * mult);
}

function parseGpus(r: FactReader): GpuFacts[] {
  return r
    .indexes('gpu.')
    .filter((i) => r.str(`gpu.${i}.name`))
    .map((i) => {
      const memoryBytes = parseGpuMemory(r.str(`gpu.${i}.memory`));
      return {
        name: r.str(`gpu.${i}.name`) ?? '',
        memoryBytes,
        driver: r.str(`gpu.${i}.driver`),
        integrated: memoryBytes === null,
      };
    });
}

function parseDisk(r: FactReader): Facts['disk'] {
  const device = r.str('disk.device') ?? null;
  const declared = r.str('disk.kind');
  // An unknown kind from a newer script degrades to 'unknown' instead of failing the whole run.
  const kind: DiskKind = (DISK_KINDS as readonly string[]).includes(declared ?? '')
    ? (declared as DiskKind)
    : 'unknown';
  const availKb = r.int('disk.avail_kb');
  return {
    kind,
    sizeBytes: r.int('disk.size_bytes') ?? null,
    availableBytes: availKb === undefined ? null : availKb * 1024,
    device,
    dockerRoot: r.str('docker.root') ?? '/var/lib/docker',
  };
}

function parseDocker(r: FactReader): DockerFacts {
  const status = r.oneOf('docker.status', [
    'ok',
    'absent',
    'permission-denied',
    'unreachable',
    'timeout',
    'error',
    'deferred',
  ] as const);
  if (status === 'ok') {
    const nodeId = r.str('docker.swarm.node_id');
    return {
      status,
      version: r.required('docker.version'),
      apiVersion: r.str('docker.api_version'),
      swarm: {
        state: r.oneOf('docker.swarm.state', SWARM_STATES) ?? 'inactive',
        nodeId,
        clusterId: r.str('docker.swarm.cluster_id'),
        role: nodeId ? (r.oneOf('docker.swarm.role', ['manager', 'worker'] as const) ?? 'worker') : undefined,
        nodeAddr: r.str('docker.swarm.node_addr'),
      },
    };
  }
  return {
    status: status ?? 'error',
    error: r.str('docker.error') ?? (status ? undefined : 'the probe printed no docker.status'),
    clientVersion: r.str('docker.client_version'),
  };
}

/** What dockerFactsFromEngine reads of an engine's GET /info (adapters/docker EngineInfo has it). */
export interface EngineFactsSource {
  serverVersion: string;
  apiVersion: string;
  dockerRootDir: string;
  swarm: {
    localNodeState: string;
    nodeId: string;
    clusterId: string;
    controlAvailable: boolean;
    nodeAddr: string;
  };
}

/**
 * The docker facts of a host probed with `--docker-from-api`, from the engine's own /info: the same
 * fields facts.sh reads with `docker info` (role only when in a swarm, manager = control available).
 */
export function dockerFactsFromEngine(info: EngineFactsSource): DockerFacts {
  const s = info.swarm;
  const state = (SWARM_STATES as readonly string[]).includes(s.localNodeState)
    ? (s.localNodeState as SwarmState)
    : 'inactive';
  return {
    status: 'ok',
    version: info.serverVersion,
    apiVersion: info.apiVersion || undefined,
    swarm: {
      state,
      nodeId: s.nodeId || undefined,
      clusterId: s.clusterId || undefined,
      role: s.nodeId ? (s.controlAvailable ? 'manager' : 'worker') : undefined,
      nodeAddr: s.nodeAddr || undefined,
    },
  };
}

/**
 * Remote clock minus local clock, in seconds, from the probe's `epoch` and the local times the command
 * was started and finished. The midpoint halves the round trip; `epoch` has 1 s resolution, so
 * differences under ~1 s plus half the round trip are noise (`uncertainty`).
 */
export function estimateClockSkewSeconds(
  facts: Pick<Facts, 'clock'>,
  localStartMs: number,
  localEndMs: number,
): { skew: number; uncertainty: number } {
  const mid = (localStartMs + localEndMs) / 2 / 1000;
  // epoch is truncated: the true remote time lies in [epoch, epoch + 1).
  const skew = facts.clock.epoch + 0.5 - mid;
  return { skew, uncertainty: 0.5 + (localEndMs - localStartMs) / 2000 };
}

/** Decimal size for tables ("500 GB", as disk vendors label them). */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}
