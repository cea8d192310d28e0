/** `fleet backup schedule` result: what was written or removed, then the installed schedules. */
import type { ScheduleResult } from '../ops/backup/schedule.js';
import { renderTable } from './table.js';

export function renderSchedule(r: ScheduleResult): string {
  const out: string[] = [];
  // What was written, removed or enabled went to stderr as change lines already.
  if (r.action === 'install' && r.systemd) out.push('systemctl list-timers fleet-backup* shows the next run');
  if (r.action === 'remove' && r.files.length === 0) out.push(`no schedule of that name in ${r.unit_dir}`);
  if (r.schedules.length === 0) out.push(`no fleet backup schedule in ${r.unit_dir}`);
  else {
    out.push(
      ...renderTable(
        ['UNIT', 'SCHEDULE', 'ENABLED', 'RUNS'],
        r.schedules.map((s) => [s.unitName, s.schedule, s.enabled ? 'yes' : 'no', s.command]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
