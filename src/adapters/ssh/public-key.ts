/**
 * The user's public key for `fleet bootstrap --authorize-key`: `<identity>.pub` beside the first
 * identity file that has one (the -i files, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa), read with the
 * same bounded reader as private keys.
 */
import { existsSync } from 'node:fs';
import { FleetError } from '../../core/errors.js';
import { readKeyFile } from '../key-file.js';
import { defaultIdentityFiles } from './auth.js';

const PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]+=*( [^\n]*)?$/;

export interface PublicKey {
  file: string;
  /** One authorized_keys line: type, base64 blob and comment. */
  line: string;
}

export function readPublicKey(identityFiles: string[]): PublicKey {
  const candidates = identityFiles.length > 0 ? identityFiles : defaultIdentityFiles();
  for (const key of candidates) {
    const file = `${key}.pub`;
    if (!existsSync(file)) continue;
    const line = readKeyFile(file).toString('utf8').trim();
    if (!PUBLIC_KEY.test(line)) {
      throw new FleetError('usage', `${file}: not an OpenSSH public key line`, {
        hint: 'regenerate it with ssh-keygen -y -f KEY > KEY.pub',
      });
    }
    return { file, line };
  }
  throw new FleetError(
    'usage',
    `--authorize-key: no public key found (${candidates.map((c) => `${c}.pub`).join(', ')})`,
    {
      hint: 'create a key with ssh-keygen -t ed25519, or name yours with -i FILE (FILE.pub beside it)',
    },
  );
}
