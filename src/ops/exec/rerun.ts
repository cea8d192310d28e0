/** `--rerun-failed [REPORT]`: the hosts that did not succeed in the last (or given) exec report. */
import { FleetError } from '../../core/errors.js';
import { failedHostIds, type ExecReport } from '../../core/report.js';
import { lastReportPath, readReport } from '../../adapters/report-files.js';

export interface RerunTargets {
  path: string;
  command: string;
  ids: string[];
}

export async function readRerunTargets(option: boolean | string): Promise<RerunTargets> {
  const path = typeof option === 'string' ? option : lastReportPath('exec');
  const data = (await readReport(path)) as Partial<ExecReport>;
  const ids = failedHostIds(data);
  if (ids === undefined || typeof data.command !== 'string') {
    throw new FleetError('usage', `${path} is not a fleet exec report (no "devices" list or "command")`);
  }
  return { path, command: data.command, ids };
}
