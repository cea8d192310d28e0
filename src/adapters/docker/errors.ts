/**
 * Turns docker-modem / ssh2 failures into FleetErrors. The engine's own message is kept (it is what
 * users search for), passed through redact, and the original error is dropped from the cause chain:
 * docker-modem errors carry the response JSON and request options, and a stack printed with --debug
 * must not be a way for a token to leave the process.
 */
import { FleetError, isFleetError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';

interface ModemError extends Error {
  statusCode?: number;
  json?: unknown;
  code?: string;
}

/** HTTP status of an engine error, if it was one. */
export function dockerStatus(err: unknown): number | undefined {
  if (isFleetError(err)) return (err as FleetError & { status?: number }).status;
  return (err as ModemError | undefined)?.statusCode;
}

function engineMessage(err: ModemError): string {
  const json = err.json as { message?: unknown } | undefined;
  if (json && typeof json.message === 'string') return json.message.trim();
  if (Buffer.isBuffer(err.json)) return err.json.toString('utf8').trim();
  return err.message.replace(/^\(HTTP code \d+\)\s*/, '').trim();
}

/** True for failures of the transport (channel, connection), where the request may not have arrived. */
export function isConnectionError(err: unknown): boolean {
  // A Docker engine that stopped answering while SSH lives is a retryable 'docker' failure.
  if (isFleetError(err)) {
    return err.code === 'connect' || err.code === 'timeout' || (err.code === 'docker' && err.retryable);
  }
  const e = err as ModemError | undefined;
  if (!e || e.statusCode !== undefined) return false;
  return (
    ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE'].includes(
      e.code ?? '',
    ) || /socket hang up|channel open failure|not connected|connection lost|closed/i.test(e.message ?? '')
  );
}

export function toDockerError(err: unknown, host: string, action: string): FleetError {
  if (isFleetError(err)) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as ModemError;
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') {
    return new FleetError('interrupted', `${action} interrupted`, { host });
  }
  if (e.statusCode !== undefined) {
    const out = new FleetError('docker', redact(`${action}: ${engineMessage(e)} (HTTP ${e.statusCode})`), {
      host,
    });
    (out as FleetError & { status?: number }).status = e.statusCode;
    return out;
  }
  if (isConnectionError(e)) {
    return new FleetError(
      'connect',
      redact(`${action}: lost the channel to the Docker engine (${e.message})`),
      {
        host,
        retryable: true,
        hint: 'check that dockerd is running on the host (systemctl status docker)',
      },
    );
  }
  return new FleetError('docker', redact(`${action}: ${e.message}`), { host });
}
