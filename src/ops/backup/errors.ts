/** Which of a run's errors decides its exit code (backup and restore). */
import { FleetError, type ErrorCode } from '../../core/errors.js';

/** Worst first: a storage failure is what the user must fix before anything else. */
const ERROR_PRIORITY: ErrorCode[] = [
  'interrupted',
  'storage',
  'integrity',
  'quorum',
  'docker',
  'hostkey',
  'auth',
  'connect',
  'timeout',
  'remote-exit',
];

export function pickError(errors: FleetError[], anyHostOk: boolean): FleetError | undefined {
  if (errors.length === 0) return undefined;
  const sorted = [...errors].sort((a, b) => rank(a.code) - rank(b.code));
  const worst = sorted[0]!;
  if (worst.code === 'storage' || worst.code === 'interrupted' || worst.code === 'integrity') return worst;
  if (anyHostOk)
    return new FleetError('partial', worst.message, { host: worst.host, hint: worst.hint, cause: worst });
  return worst;
}
function rank(code: ErrorCode): number {
  const i = ERROR_PRIORITY.indexOf(code);
  return i < 0 ? ERROR_PRIORITY.length : i;
}
