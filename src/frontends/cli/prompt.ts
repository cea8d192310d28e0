/**
 * Asks for a secret on the terminal without echoing it. Reads the controlling terminal (/dev/tty)
 * when stdin is a pipe, so `cmd | fleet exec --ask-pass …` still works; fails with a clear hint
 * when there is no terminal at all (CI), rather than hanging.
 */
import { openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { FleetError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { withTerminal } from '../../views/suspend.js';

function openTerminal(): { input: ReadStream; owned: boolean } | undefined {
  if (process.stdin.isTTY) return { input: process.stdin as ReadStream, owned: false };
  try {
    return { input: new ReadStream(openSync('/dev/tty', 'r')), owned: true };
  } catch {
    return undefined;
  }
}

/**
 * Prompts on stderr (stdout may be a pipe or `--json`). Resolves with the secret, registered for
 * redaction. Ctrl-C while typing rejects with an `interrupted` error.
 */
export async function promptSecret(question: string, envHint?: string): Promise<string> {
  return withTerminal(() => readSecret(question, envHint));
}

async function readSecret(question: string, envHint?: string): Promise<string> {
  const terminal = openTerminal();
  if (!terminal) {
    throw new FleetError('usage', `cannot ask for ${question.replace(/:\s*$/, '')}: no terminal`, {
      hint: envHint ? `set ${envHint} instead` : undefined,
    });
  }
  const { input, owned } = terminal;
  process.stderr.write(question);
  const wasRaw = input.isRaw;
  input.setRawMode(true);
  input.resume();
  try {
    const secret = await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            input.off('data', onData);
            return resolve(value);
          }
          if (ch === '\u0003') {
            input.off('data', onData);
            return reject(new FleetError('interrupted', 'interrupted at the password prompt'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else if (ch >= ' ') value += ch;
        }
      };
      input.on('data', onData);
    });
    registerSecret(secret);
    return secret;
  } finally {
    input.setRawMode(wasRaw);
    input.pause();
    if (owned) input.destroy();
    process.stderr.write('\n');
  }
}

/**
 * A yes/no question on stderr; anything but y/yes is no. Callers check for a terminal first. The
 * live view stops drawing while it is asked (withTerminal). Ctrl-C at the question answers no and
 * is passed on as SIGINT, so the run's own interrupt handling still applies.
 */
export async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  return withTerminal(async () => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answered = rl.question(question);
    rl.on('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      process.kill(process.pid, 'SIGINT');
    });
    try {
      return /^y(es)?$/i.test((await answered).trim());
    } catch {
      return false;
    } finally {
      rl.close();
    }
  });
}
