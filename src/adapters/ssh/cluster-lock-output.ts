/**
 * Reading what remote/cluster-lock.sh prints: its answer (held, busy, error), and, when it was asked
 * to run a read-only script once held (ClusterLockOptions.alsoRun), that script's stdout.
 */
import type { Readable } from 'node:stream';
import { parseLockReply, type LockReply } from '../../core/cluster-lock.js';
import { toFleetError } from '../../core/errors.js';
import type { ExecResult } from './types.js';

/** Output of `alsoRun` kept per host (facts.sh prints a few KB). */
const ALSO_RUN_MAX_BYTES = 1 << 20;
const HELD = /^fleet-lock held\n/m;
const ALSO_RUN_END = /^fleet-lock also-run-end (\d+)$/m;

/**
 * Reads the lock script's stdout: `reply` once it answered `held` (it then keeps running) or ended;
 * `output`, after `held`, what `alsoRun` printed up to the script's `also-run-end <exit>` line
 * (undefined unless it ended with 0; at once when it was not asked to run anything).
 */
export function readLockOutput(
  stdout: Readable,
  done: Promise<ExecResult>,
  expectOutput: boolean,
): { reply: Promise<LockReply>; output: Promise<string | undefined> } {
  let text = '';
  let resolveReply: (reply: LockReply) => void = () => undefined;
  let resolveOutput: (out: string | undefined) => void = () => undefined;
  const reply = new Promise<LockReply>((r) => (resolveReply = r));
  const output = new Promise<string | undefined>((r) => (resolveOutput = r));
  let replied = false;
  const finishOutput = (out: string | undefined): void => {
    stdout.off('data', onData);
    resolveOutput(out);
  };
  const onData = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    const held = HELD.exec(text);
    if (!replied && held) {
      replied = true;
      resolveReply(parseLockReply(text.slice(0, held.index + held[0].length)));
      text = text.slice(held.index + held[0].length);
      if (!expectOutput) return finishOutput(undefined);
    }
    if (!replied) return;
    const end = ALSO_RUN_END.exec(text);
    if (end) finishOutput(end[1] === '0' ? text.slice(0, end.index) : undefined);
    else if (text.length > ALSO_RUN_MAX_BYTES) finishOutput(undefined);
  };
  stdout.on('data', onData);
  void done.then(
    (r) => {
      if (!replied && !text && r.stderr.length > 0)
        text = `fleet-lock error ${r.stderr.toString('utf8').trim().slice(0, 200)}`;
      if (!replied) resolveReply(parseLockReply(text));
      finishOutput(undefined);
    },
    (err: unknown) => {
      text ||= `fleet-lock error ${toFleetError(err).message}`;
      if (!replied) resolveReply(parseLockReply(text));
      finishOutput(undefined);
    },
  );
  return { reply, output };
}
