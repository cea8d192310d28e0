/**
 * Naming hardware from the raw probe keys: arm CPU part codes, Jetson boards, the device type that
 * becomes the `device_type` node label. Pure tables; parseFacts (facts.ts) calls these.
 */

/** Device types fleet knows; the swarm label `device_type` takes these values. */
export const DEVICE_TYPES = [
  'dgx-spark',
  'jetson-agx-xavier',
  'jetson-xavier-nx',
  'jetson-agx-orin',
  'jetson-orin',
  'jetson-nano',
  'jetson',
  'raspberry-pi',
  'x86-gpu',
  'x86',
  'arm64-gpu',
  'arm64',
  'arm',
  'unknown',
] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

// arm64 /proc/cpuinfo has no model name, only "CPU implementer" and "CPU part" codes (as lscpu maps them).
const ARM_PARTS: Record<string, string> = {
  '0x41:0xb76': 'ARM1176',
  '0x41:0xc07': 'Cortex-A7',
  '0x41:0xc09': 'Cortex-A9',
  '0x41:0xc0f': 'Cortex-A15',
  '0x41:0xd03': 'Cortex-A53',
  '0x41:0xd04': 'Cortex-A35',
  '0x41:0xd05': 'Cortex-A55',
  '0x41:0xd07': 'Cortex-A57',
  '0x41:0xd08': 'Cortex-A72',
  '0x41:0xd09': 'Cortex-A73',
  '0x41:0xd0a': 'Cortex-A75',
  '0x41:0xd0b': 'Cortex-A76',
  '0x41:0xd0c': 'Neoverse-N1',
  '0x41:0xd0d': 'Cortex-A77',
  '0x41:0xd40': 'Neoverse-V1',
  '0x41:0xd41': 'Cortex-A78',
  '0x41:0xd42': 'Cortex-A78AE',
  '0x41:0xd44': 'Cortex-X1',
  '0x41:0xd46': 'Cortex-A510',
  '0x41:0xd47': 'Cortex-A710',
  '0x41:0xd48': 'Cortex-X2',
  '0x41:0xd49': 'Neoverse-N2',
  '0x41:0xd4f': 'Neoverse-V2',
  '0x41:0xd80': 'Cortex-A520',
  '0x41:0xd81': 'Cortex-A720',
  '0x41:0xd82': 'Cortex-X4',
  '0x41:0xd85': 'Cortex-X925',
  '0x41:0xd87': 'Cortex-A725',
  '0x4e:0x000': 'NVIDIA Denver',
  '0x4e:0x003': 'NVIDIA Denver 2',
  '0x4e:0x004': 'NVIDIA Carmel',
};

/**
 * CPU model for display: x86's `model name`, else the arm part names ("Cortex-X925 + Cortex-A725" on a
 * big.LITTLE chip). 32-bit arm kernels print a useless "ARMv7 Processor rev 3 (v7l)": parts win there.
 */
export function cpuModelName(model: string | undefined, parts: string | undefined): string {
  const named = (parts ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '')
    .map((p) => ARM_PARTS[p] ?? `arm ${p}`);
  if (model && (named.length === 0 || !/^ARMv\d+ Processor/i.test(model))) return model;
  if (named.length > 0) return named.join(' + ');
  return model ?? 'unknown';
}

export interface BoardKeys {
  arch: string;
  boardModel?: string;
  compatible?: string;
  l4tRelease?: string;
  dmiProduct?: string;
  dgxName?: string;
  gpuNames: string[];
}

/** The Tegra SoC from the device-tree compatible list ("nvidia,p2972-0000 nvidia,tegra194"). */
export function tegraSoc(compatible: string | undefined): string | undefined {
  return /\bnvidia,(tegra\d+)\b/.exec(compatible ?? '')?.[1];
}

export function isJetson(b: BoardKeys): boolean {
  return (
    b.l4tRelease !== undefined ||
    tegraSoc(b.compatible) !== undefined ||
    /^(NVIDIA )?Jetson/i.test(b.boardModel ?? '')
  );
}

/** The Jetson's integrated GPU, which has no nvidia-smi on L4T: named after its SoC. */
export function jetsonGpuName(soc: string | undefined): string {
  switch (soc) {
    case 'tegra194':
      return 'NVIDIA Volta (Xavier, integrated)';
    case 'tegra234':
      return 'NVIDIA Ampere (Orin, integrated)';
    case 'tegra186':
      return 'NVIDIA Pascal (TX2, integrated)';
    case 'tegra210':
      return 'NVIDIA Maxwell (Nano/TX1, integrated)';
    default:
      return 'NVIDIA Tegra (integrated)';
  }
}

function jetsonType(b: BoardKeys): DeviceType {
  const soc = tegraSoc(b.compatible);
  const model = b.boardModel ?? '';
  const compat = b.compatible ?? '';
  // L4T R32 names the AGX Xavier devkit just "Jetson-AGX"; the carrier/module ids are in compatible.
  if (soc === 'tegra194') {
    if (/\bNX\b/i.test(model) || /p3668|p3509/.test(compat)) return 'jetson-xavier-nx';
    return 'jetson-agx-xavier';
  }
  if (soc === 'tegra234') {
    if (/AGX/i.test(model) || /p3701|p3737/.test(compat)) return 'jetson-agx-orin';
    return 'jetson-orin';
  }
  if (/Xavier NX/i.test(model)) return 'jetson-xavier-nx';
  if (/AGX Xavier|^Jetson-AGX$/i.test(model)) return 'jetson-agx-xavier';
  if (/AGX Orin/i.test(model)) return 'jetson-agx-orin';
  if (/Orin/i.test(model)) return 'jetson-orin';
  if (soc === 'tegra210' || /Nano/i.test(model)) return 'jetson-nano';
  return 'jetson';
}

export function deviceType(b: BoardKeys): DeviceType {
  if (
    b.gpuNames.some((n) => /\bGB10\b/i.test(n)) ||
    /DGX[ _-]?Spark/i.test(b.dmiProduct ?? '') ||
    /Spark/i.test(b.dgxName ?? '')
  ) {
    return 'dgx-spark';
  }
  if (isJetson(b)) return jetsonType(b);
  if (/^Raspberry Pi/i.test(b.boardModel ?? '') || /\braspberrypi,/.test(b.compatible ?? '')) {
    return 'raspberry-pi';
  }
  const gpu = b.gpuNames.length > 0;
  if (/^(x86_64|amd64|i[3-6]86)$/.test(b.arch)) return gpu ? 'x86-gpu' : 'x86';
  if (/^(aarch64|arm64)$/.test(b.arch)) return gpu ? 'arm64-gpu' : 'arm64';
  if (/^arm/.test(b.arch)) return 'arm';
  return 'unknown';
}
