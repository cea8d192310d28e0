/**
 * Running a command on an exec channel so that a timeout or abort kills the remote process itself.
 *
 * sshd runs every exec request as `$SHELL -c '<request>'`, and without a pty it makes that shell a
 * session and process-group leader. The request is
 *   printf '\0fleet-pgid-N:%s\n' "$$" >&2; <cmd>
 * so the first bytes on stderr name the process group, and the user's command then runs in that very
 * shell, exactly as plain `ssh host '<cmd>'` would: one login-shell start per command (an account whose
 * ~/.bashrc initialises conda or pyenv pays it once, not twice as with the old
 * `exec "$SHELL" -c '<cmd>'` wrapper), same pid, same $0/SHLVL, byte-identical stdout, the same line
 * numbers in syntax errors (the marker shares the command's first line); the marker is stripped from
 * stderr. On timeout/abort a second channel runs `kill -TERM -PGID`, then KILL if needed.
 *
 * What this asks of the command, as `ssh host cmd` does: it is parsed by the account's login shell,
 * which must be a POSIX shell (sh, dash, bash, zsh, ksh, busybox ash). fish or csh accounts get that
 * shell's parse error, as with any POSIX command line sent to them; fleet's own scripts (facts, locks)
 * are POSIX sh. A command that starts with `exec` keeps the pid and so the process group. A command
 * that turns job control on (`set -m`) puts its background jobs in their own groups, which the kill
 * cannot reach: the same limit as Ctrl-C on any non-interactive shell.
 *
 * With sudo, the sudo prompt is a marker too: the password is written to stdin only when sudo asks for
 * it (never in argv), and the caller's stdin is passed only after the root shell announced itself, so
 * neither can end up in the other.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, type Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import { registerSecret } from '../../core/redact.js';
import { shQuote } from './quote.js';
import type { ExecOptions, ExecResult } from './types.js';

export interface ChannelHost {
  readonly host: HostTarget;
  /** Opens an exec channel inside one session slot; the slot frees when the channel closes. */
  openExec(command: string, signal?: AbortSignal): Promise<ClientChannel>;
  isClosed(): boolean;
  /** Used for sudo when ExecOptions.sudoPassword is not given. */
  readonly defaultSudoPassword?: string;
}

export interface Started {
  stdout: Readable;
  stdin: Writable;
  done: Promise<ExecResult>;
}

interface Mode {
  /** spawn: stdout is handed out as a stream and stdin is a writable the caller drives. */
  streaming: boolean;
  /** Internal kill channels must not themselves trigger kills. */
  killOnStop: boolean;
}

export function buildRemoteCommand(
  command: string,
  nonce: string,
  sudo: 'none' | 'password' | 'nopassword',
): string {
  const pgid = `printf '\\0fleet-pgid-${nonce}:%s\\n' "$$" >&2; `;
  // Same line as the command, so a syntax error names the line `ssh host cmd` would.
  if (sudo === 'none') return `${pgid}${command}`;
  // `exec sudo`: the login shell becomes sudo (same pid, same group); root's sh runs the marker and
  // the command itself, so with sudo too there is one login-shell start and one sh.
  const inner = `printf '\\0fleet-ok-${nonce}\\n' >&2; ${command}`;
  const sudoCmd = sudo === 'password' ? `sudo -S -p ${shQuote(`[fleet-sudo-${nonce}]`)}` : 'sudo -n';
  return `${pgid}exec ${sudoCmd} sh -c ${shQuote(inner)}`;
}

export function killCommand(pgid: number): string {
  // dash's kill has no `--`; `-PGID` right after the signal is read as a group by every POSIX kill.
  return (
    `kill -TERM -${pgid} 2>/dev/null || exit 0; i=0; while [ $i -lt 30 ]; do ` +
    `kill -0 -${pgid} 2>/dev/null || exit 0; sleep 0.1; i=$((i+1)); done; kill -KILL -${pgid} 2>/dev/null; exit 0`
  );
}

const UNCOLLECTED_STDERR_BYTES = 64 * 1024;

export async function startCommand(
  conn: ChannelHost,
  command: string,
  options: ExecOptions,
  mode: Mode,
): Promise<Started> {
  const host = conn.host;
  const nonce = randomBytes(6).toString('hex');
  const useSudo = options.sudo === true && host.user !== 'root';
  const password = useSudo ? (options.sudoPassword ?? conn.defaultSudoPassword) : undefined;
  registerSecret(password);
  const sudoMode = !useSudo ? 'none' : password !== undefined ? 'password' : 'nopassword';
  if (options.signal?.aborted)
    throw new FleetError('interrupted', `not started on ${host.id}: interrupted`, { host: host.id });

  const channel = await conn.openExec(buildRemoteCommand(command, nonce, sudoMode), options.signal);
  const started = Date.now();

  const pgidTag = Buffer.from(`\0fleet-pgid-${nonce}:`, 'latin1');
  const okTag = Buffer.from(`\0fleet-ok-${nonce}\n`, 'latin1');
  const promptTag = Buffer.from(`[fleet-sudo-${nonce}]`, 'latin1');
  const collect = options.collect !== false;
  const stdoutChunks: Buffer[] = [];
  const stderrChunks: Buffer[] = [];
  let pgid: number | undefined;
  let pgidWaiters: (() => void)[] = [];
  let preamble = true;
  let pending = Buffer.alloc(0);
  let prompts = 0;
  let sudoRefused = false;
  let sawOk = false;
  let exitCode: number | null = null;
  let exitSignal: string | undefined;
  let timedOut = false;
  let aborted = false;
  let stopping: Promise<void> | undefined;

  const stdinSource = mode.streaming ? new PassThrough() : undefined;
  let inputStarted = false;
  const startInput = (): void => {
    if (inputStarted) return;
    inputStarted = true;
    const input = stdinSource ?? options.stdin;
    if (input === undefined) channel.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input)) channel.end(input);
    else input.pipe(channel);
  };

  // Without `collect`, stderr's start is still kept: the sudo check below reads it.
  let stderrKept = 0;
  const emitStderr = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    if (collect || mode.streaming) stderrChunks.push(chunk);
    else if (stderrKept < UNCOLLECTED_STDERR_BYTES) {
      const part = Buffer.from(chunk.subarray(0, UNCOLLECTED_STDERR_BYTES - stderrKept));
      stderrChunks.push(part);
      stderrKept += part.length;
    }
    options.onStderr?.(chunk);
  };

  // Consumes markers at the start of stderr; everything else passes through unchanged.
  const scanPreamble = (): void => {
    while (preamble) {
      const found = [pgidTag, promptTag, okTag]
        .map((tag) => ({ tag, at: pending.indexOf(tag) }))
        .filter((f) => f.at >= 0)
        .sort((a, b) => a.at - b.at)[0];
      if (!found) {
        if (pending.length > 65536) {
          preamble = false;
          emitStderr(pending);
          pending = Buffer.alloc(0);
        }
        return;
      }
      let end = found.at + found.tag.length;
      if (found.tag === pgidTag) {
        const nl = pending.indexOf(0x0a, end);
        if (nl < 0) return; // the pid digits are still on their way
        pgid = Number(pending.subarray(end, nl).toString('latin1'));
        end = nl + 1;
        for (const w of pgidWaiters) w();
        pgidWaiters = [];
      }
      emitStderr(pending.subarray(0, found.at));
      pending = pending.subarray(end);
      if (found.tag === promptTag) {
        prompts += 1;
        if (prompts === 1 && password !== undefined) channel.write(`${password}\n`);
        else {
          // A second prompt means the password was wrong; EOF makes sudo give up instead of waiting.
          sudoRefused = true;
          channel.end();
        }
      } else if (found.tag === okTag || (found.tag === pgidTag && sudoMode === 'none')) {
        if (found.tag === okTag) sawOk = true;
        preamble = false;
        emitStderr(pending);
        pending = Buffer.alloc(0);
        startInput();
      }
    }
  };

  channel.stderr.on('data', (chunk: Buffer) => {
    if (!preamble) return emitStderr(chunk);
    pending = Buffer.concat([pending, chunk]);
    scanPreamble();
  });
  const stdoutStream: Readable = mode.streaming ? channel : new PassThrough();
  if (!mode.streaming) {
    channel.on('data', (chunk: Buffer) => {
      if (collect) stdoutChunks.push(chunk);
      options.onStdout?.(chunk);
    });
  }
  channel.on('exit', (code: number | null, signal?: string) => {
    exitCode = typeof code === 'number' ? code : null;
    if (signal) exitSignal = signal.startsWith('SIG') ? signal : `SIG${signal}`;
  });
  // Non-sudo commands get their stdin right away; sudo ones after the root shell announced itself.
  if (sudoMode === 'none') startInput();

  const stop = (why: 'timeout' | 'abort'): void => {
    if (stopping || !mode.killOnStop) {
      if (!mode.killOnStop) channel.close();
      return;
    }
    if (why === 'timeout') timedOut = true;
    else aborted = true;
    stopping = (async () => {
      if (pgid === undefined) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 2000);
          pgidWaiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      // Close first: it frees the session slot the kill channel needs when every slot is busy.
      channel.close();
      if (pgid !== undefined && pgid > 1 && !conn.isClosed()) {
        try {
          const killer = await startCommand(
            conn,
            killCommand(pgid),
            { sudo: useSudo, sudoPassword: password, collect: true, timeoutMs: 15_000 },
            { streaming: false, killOnStop: false },
          );
          await killer.done;
        } catch {
          // The connection may be gone; nothing more can be done from here.
        }
      }
    })();
  };

  const timer =
    options.timeoutMs !== undefined && options.timeoutMs > 0
      ? setTimeout(() => stop('timeout'), options.timeoutMs)
      : undefined;
  const onAbort = (): void => stop('abort');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // An abort while the channel was opening fired its event before this listener existed, and a
  // listener added after the abort never hears it. sshd answers the exec request only after it has
  // started the command, so the command is running by now: kill it like any other.
  if (options.signal?.aborted) onAbort();

  const done = new Promise<ExecResult>((resolve, reject) => {
    channel.on('close', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (pending.length > 0) {
        // The command ended inside the preamble (sudo refused, shell missing): show what it said.
        preamble = false;
        emitStderr(pending);
        pending = Buffer.alloc(0);
      }
      if (!mode.streaming) (stdoutStream as PassThrough).end();
      // A fast command's exit-status can arrive in the same TCP read as the exec reply, i.e. before
      // this code attached its 'exit' listener; ssh2 records it on the channel either way.
      const recorded = (channel as unknown as { _exit?: { code?: number | null; signal?: string } })._exit;
      if (exitCode === null && typeof recorded?.code === 'number') exitCode = recorded.code;
      if (exitSignal === undefined && recorded?.signal) exitSignal = recorded.signal;
      void (async () => {
        await stopping;
        const result: ExecResult = {
          exitCode: timedOut || aborted ? null : exitCode,
          timedOut,
          aborted,
          stdout: Buffer.concat(stdoutChunks),
          stderr: Buffer.concat(stderrChunks),
          durationMs: Date.now() - started,
        };
        if (exitSignal && !timedOut && !aborted) result.signal = exitSignal;
        const stderrText = result.stderr.toString('utf8');
        if (
          sudoRefused ||
          (useSudo &&
            !sawOk &&
            exitCode === 1 &&
            /a password is required|incorrect password|no password was provided/.test(stderrText))
        ) {
          return reject(
            new FleetError(
              'auth',
              `sudo on ${host.id} ${sudoRefused || password !== undefined ? 'refused the password' : 'needs a password'} for ${host.user}`,
              {
                host: host.id,
                hint: 'pass the sudo password (FLEET_SSH_PASSWORD or the prompt), or allow the command with NOPASSWD in sudoers',
              },
            ),
          );
        }
        if (exitCode === null && !exitSignal && !timedOut && !aborted && conn.isClosed()) {
          return reject(
            new FleetError('connect', `connection to ${host.id} was lost while the command was running`, {
              host: host.id,
              hint: 'the command may or may not have completed; check the host before running it again',
            }),
          );
        }
        resolve(result);
      })();
    });
  });

  return { stdout: stdoutStream, stdin: stdinSource ?? new PassThrough(), done };
}
