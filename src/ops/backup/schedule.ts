/**
 * `fleet backup schedule --every 6h | --list | --remove`: a systemd timer + service on THIS machine
 * (the Spark, typically) that runs the same `fleet backup` command line on a schedule; its runs write
 * the usual reports. Units are checked for secrets before anything is written; with systemd's own
 * folder on a systemd machine the timer is enabled and started, elsewhere (--unit-dir) only written.
 */
import {
  isEnabledLink,
  readUnits,
  removeUnit,
  systemctl,
  systemdRunning,
  writeUnit,
} from '../../adapters/systemd-units.js';
import {
  assertNoSecret,
  DEFAULT_UNIT_DIR,
  readSchedule,
  serviceUnit,
  timerUnit,
  type ScheduleEntry,
  type ScheduleSpec,
} from '../../core/backup-schedule.js';
import type { Runtime } from '../../runtime/types.js';

export type ScheduleInput =
  | { action: 'install'; unitDir: string; spec: ScheduleSpec; secrets: string[] }
  | { action: 'list'; unitDir: string }
  | { action: 'remove'; unitDir: string; unitName: string };

export interface ScheduleResult {
  action: 'install' | 'list' | 'remove';
  unit_dir: string;
  /** Files written or removed. */
  files: string[];
  /** Whether systemctl enabled/disabled the timer (false with another --unit-dir, or no systemd). */
  systemd: boolean;
  schedules: ScheduleEntry[];
}

const live = (dir: string): boolean => dir.replace(/\/+$/, '') === DEFAULT_UNIT_DIR && systemdRunning();

async function list(dir: string): Promise<ScheduleEntry[]> {
  const units = await readUnits(dir, 'fleet-backup');
  const out: ScheduleEntry[] = [];
  for (const [name, timer] of units) {
    if (!name.endsWith('.timer')) continue;
    const base = name.slice(0, -'.timer'.length);
    out.push(
      readSchedule(
        base,
        timer,
        units.get(`${base}.service`) ?? '',
        isEnabledLink(dir, 'timers.target', name),
      ),
    );
  }
  return out;
}

export async function run(input: ScheduleInput, rt: Runtime): Promise<ScheduleResult> {
  const dir = input.unitDir;
  const systemd = live(dir);
  if (input.action === 'list') {
    return { action: 'list', unit_dir: dir, files: [], systemd, schedules: await list(dir) };
  }
  if (input.action === 'remove') {
    const timer = `${input.unitName}.timer`;
    if (systemd) await systemctl(['disable', '--now', timer], rt.signal).catch(() => '');
    const files: string[] = [];
    for (const name of [timer, `${input.unitName}.service`]) {
      if (await removeUnit(dir, name)) files.push(`${dir}/${name}`);
    }
    if (systemd) await systemctl(['daemon-reload'], rt.signal);
    for (const f of files) rt.bus.emit({ type: 'change', description: `removed ${f}`, dryRun: false });
    return { action: 'remove', unit_dir: dir, files, systemd, schedules: await list(dir) };
  }
  const { spec } = input;
  const service = serviceUnit(spec);
  const timer = timerUnit(spec);
  assertNoSecret(service, input.secrets, `${spec.unitName}.service`);
  assertNoSecret(timer, input.secrets, `${spec.unitName}.timer`);
  const files = [
    await writeUnit(dir, `${spec.unitName}.service`, service),
    await writeUnit(dir, `${spec.unitName}.timer`, timer),
  ];
  for (const f of files) rt.bus.emit({ type: 'change', description: `wrote ${f}`, dryRun: false });
  if (systemd) {
    await systemctl(['daemon-reload'], rt.signal);
    await systemctl(['enable', '--now', `${spec.unitName}.timer`], rt.signal);
    rt.bus.emit({ type: 'change', description: `enabled and started ${spec.unitName}.timer`, dryRun: false });
  } else {
    rt.bus.log('info', `not enabled: ${dir} is not systemd's folder on a running systemd`);
  }
  return { action: 'install', unit_dir: dir, files, systemd, schedules: await list(dir) };
}
