/**
 * Account profiles: how long each lab account's login shell takes to start. Real accounts are rarely
 * instant: Debian/Ubuntu bash reads ~/.bashrc for every command that arrives over SSH, and Jetson or
 * workstation accounts commonly initialise conda or pyenv there (~100 ms). The quick profile (no
 * ~/.bashrc) is kinder than real machines; the realistic ones give root and `fleet` a bash login shell
 * whose ~/.bashrc costs ~100 ms:
 * - `realistic`: a busy loop calibrated to ~100 ms of CPU on this machine. Lab hosts share this
 *   machine's cores, so N hosts starting shells at once compete for them, as one host's cores would;
 *   every extra shell start a tool asks for shows up in wall time.
 * - `realistic-sleep`: `sleep 0.1`, i.e. latency: the work each real host does on its own CPU.
 * Chosen by LabOptions.profile, else FLEET_LAB_PROFILE, else `quick`.
 */
import { spawnSync } from 'node:child_process';
import { LabError } from './proc.js';

export type LabProfile = 'quick' | 'realistic' | 'realistic-sleep';
export const LAB_PROFILES: readonly LabProfile[] = ['quick', 'realistic', 'realistic-sleep'];
/** Start-up cost of a realistic account's ~/.bashrc. */
export const STARTUP_MS = 100;

export function resolveProfile(asked?: LabProfile): LabProfile {
  const value = asked ?? process.env.FLEET_LAB_PROFILE ?? 'quick';
  if (!(LAB_PROFILES as readonly string[]).includes(value)) {
    throw new LabError(
      `lab: profile '${value}' is not one of ${LAB_PROFILES.join(', ')} (FLEET_LAB_PROFILE)`,
    );
  }
  return value as LabProfile;
}

const LOOP = (n: number): string => `__i=0; while [ "$__i" -lt ${n} ]; do __i=$((__i+1)); done; unset __i`;
let calibrated: number | undefined;

/**
 * Loop iterations that cost STARTUP_MS of CPU in bash here. Measured with bash's own `times` (CPU, not
 * wall time), so a busy machine does not inflate the count; the best of three runs.
 */
export function busyLoopIterations(): number {
  if (calibrated !== undefined) return calibrated;
  const probe = 40_000;
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const r = spawnSync('bash', ['--norc', '-c', `${LOOP(probe)}; times`], { encoding: 'utf8' });
    // First line of `times`: the shell's own user and system time, e.g. "0m0.412s 0m0.001s".
    const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(r.stdout);
    if (!m) throw new LabError(`lab: cannot calibrate the realistic profile: bash printed ${r.stdout}`);
    const secs = Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
    best = Math.min(best, secs);
  }
  calibrated = Math.max(1000, Math.round((probe * STARTUP_MS) / 1000 / Math.max(best, 0.001)));
  return calibrated;
}

/** The ~/.bashrc of every account (root and fleet) for this profile; undefined = no ~/.bashrc. */
export function bashrcFor(profile: LabProfile): string | undefined {
  if (profile === 'quick') return undefined;
  const work = profile === 'realistic' ? LOOP(busyLoopIterations()) : `sleep ${STARTUP_MS / 1000}`;
  return [
    `# fleet lab, profile ${profile}: ~${STARTUP_MS} ms at every shell start, like a conda/pyenv init.`,
    `# bash reads this file for every command that arrives over SSH (and for interactive shells).`,
    work,
    '',
  ].join('\n');
}
