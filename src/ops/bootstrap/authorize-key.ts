/**
 * `--authorize-key`: what users do with ssh-copy-id on fresh boards. The connection itself is the one
 * password login (the SSH pool falls back to FLEET_SSH_PASSWORD or the prompt when no key is accepted);
 * over it the user's public key is appended to ~/.ssh/authorized_keys unless it is there already
 * (compared by type and key, not comment). The key travels on stdin; the password never leaves the pool.
 */
import type { SshConnection } from '../../adapters/ssh/types.js';
import type { PublicKey } from '../../adapters/ssh/public-key.js';
import type { ChangeGate, Runtime } from '../../runtime/types.js';
import { stepFailed } from '../shared/transfer.js';

const CHECK = `read -r key; k=$(printf '%s\\n' "$key" | cut -d' ' -f1,2); f="$HOME/.ssh/authorized_keys"
if [ -f "$f" ] && grep -qF "$k" "$f"; then echo present; else echo absent; fi`;

const INSTALL = `set -e; read -r key; umask 077; mkdir -p "$HOME/.ssh"; chmod 700 "$HOME/.ssh"
f="$HOME/.ssh/authorized_keys"; touch "$f"; chmod 600 "$f"
k=$(printf '%s\\n' "$key" | cut -d' ' -f1,2)
if ! grep -qF "$k" "$f"; then
  if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then echo >>"$f"; fi
  printf '%s\\n' "$key" >>"$f"
fi`;

/** Returns the change sentence when the key was (or, in a dry run, would be) installed. */
export async function authorizeKey(
  conn: SshConnection,
  key: PublicKey,
  rt: Runtime,
  gate: ChangeGate,
): Promise<string | undefined> {
  const host = conn.host;
  const check = await conn.exec(CHECK, { stdin: `${key.line}\n`, signal: rt.signal, timeoutMs: 30_000 });
  if (check.exitCode !== 0) throw stepFailed(host, 'reading ~/.ssh/authorized_keys', check);
  if (check.stdout.toString('utf8').trim() === 'present') return undefined;
  const sentence = `install ${key.file} in ~${host.user}/.ssh/authorized_keys`;
  await gate.change(host.id, sentence, async () => {
    const r = await conn.exec(INSTALL, { stdin: `${key.line}\n`, signal: rt.signal, timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw stepFailed(host, 'writing ~/.ssh/authorized_keys', r);
  });
  return sentence;
}
