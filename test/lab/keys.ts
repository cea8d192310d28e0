/**
 * Keys and client-side SSH files of a lab. Keys are generated in-process with ssh2 (OpenSSH format):
 * one spawn of ssh-keygen per host would dominate start-up at 200 hosts. The passphrase of the
 * encrypted key lives only in memory, on the Lab object.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import ssh2 from 'ssh2';

export interface KeyPair {
  private: string;
  public: string;
}

export function newEd25519(comment: string, passphrase?: string): KeyPair {
  // ssh2's keygen strips leading zero bytes of the raw public key (meant for the BIT STRING's pad
  // byte), so about 1 key in 100 has a 31-byte public half that sshd rejects ("error in libcrypto").
  // Generate again until the blob has its proper size: 4+11 ("ssh-ed25519") + 4+32.
  for (;;) {
    const kp =
      passphrase === undefined
        ? ssh2.utils.generateKeyPairSync('ed25519', { comment })
        : ssh2.utils.generateKeyPairSync('ed25519', {
            comment,
            passphrase,
            cipher: 'aes256-ctr',
            rounds: 16,
          });
    const blob = Buffer.from(kp.public.trim().split(' ')[1] ?? '', 'base64');
    if (blob.length === 51) return { private: kp.private, public: kp.public.trim() };
  }
}

export interface ClientFiles {
  home: string;
  sshDir: string;
  userKeyFile: string;
  encryptedKeyFile: string;
  knownHostsFile: string;
  sshConfigFile: string;
  keyPassphrase: string;
  /** authorized_keys content for every host: the plain and the encrypted key. */
  authorizedKeys: string;
}

export async function makeClientKeys(dir: string, id: string): Promise<ClientFiles> {
  const home = `${dir}/home`;
  const sshDir = `${home}/.ssh`;
  await fs.mkdir(sshDir, { recursive: true, mode: 0o700 });
  const keyPassphrase = randomBytes(18).toString('base64url');
  const plain = newEd25519(`fleet-lab-${id}`);
  const enc = newEd25519(`fleet-lab-${id}-encrypted`, keyPassphrase);
  const userKeyFile = `${sshDir}/id_ed25519`;
  const encryptedKeyFile = `${sshDir}/id_ed25519_encrypted`;
  await fs.writeFile(userKeyFile, plain.private, { mode: 0o600 });
  await fs.writeFile(`${userKeyFile}.pub`, `${plain.public}\n`);
  await fs.writeFile(encryptedKeyFile, enc.private, { mode: 0o600 });
  await fs.writeFile(`${encryptedKeyFile}.pub`, `${enc.public}\n`);
  return {
    home,
    sshDir,
    userKeyFile,
    encryptedKeyFile,
    knownHostsFile: `${sshDir}/known_hosts`,
    sshConfigFile: `${sshDir}/config`,
    keyPassphrase,
    authorizedKeys: `${plain.public}\n${enc.public}\n`,
  };
}

export interface KnownHost {
  name: string;
  ip: string;
  hostKeyPub: string;
}

/** Plain (unhashed) entries by address; fleet's own hashed-entry support is tested by the SSH adapter. */
export async function writeKnownHosts(file: string, hosts: KnownHost[]): Promise<void> {
  const lines = hosts.map((h) => `${h.ip} ${h.hostKeyPub.split(' ').slice(0, 2).join(' ')}`);
  await fs.writeFile(file, `${lines.join('\n')}\n`, { mode: 0o644 });
}

export async function writeSshConfig(c: ClientFiles, hosts: KnownHost[]): Promise<void> {
  const blocks = hosts.map((h) => `Host ${h.name}\n  HostName ${h.ip}\n`);
  const all = [
    ...blocks,
    `Host *`,
    `  User root`,
    `  IdentityFile ${c.userKeyFile}`,
    `  IdentitiesOnly yes`,
    `  UserKnownHostsFile ${c.knownHostsFile}`,
    `  StrictHostKeyChecking yes`,
    `  BatchMode yes`,
    `  ConnectTimeout 10`,
    '',
  ];
  await fs.writeFile(c.sshConfigFile, all.join('\n'), { mode: 0o600 });
}

export const SYSTEM_SSH_SNIPPET = '/etc/ssh/ssh_config.d/fleet-lab.conf';
const SNIPPET = `# Installed by fleet's test lab (test/lab/keys.ts, scripts/install-system-deps.sh).
# OpenSSH finds ~/.ssh through the passwd entry and ignores $HOME. For the lab's own subnets only
# (10.77.x.y, which exist solely inside namespaces the lab creates), honour $HOME so that
# \`HOME=<lab home> ssh root@10.77.x.y\` (and pdsh, clush, parallel-ssh) use the lab's key and known_hosts.
# No \`exec\` test here: it would cost every ssh client run a fork, which would skew the benchmarks.
Match host 10.77.*.*
  IdentityFile \${HOME}/.ssh/id_ed25519
  UserKnownHostsFile \${HOME}/.ssh/known_hosts
  StrictHostKeyChecking yes
`;

/** Makes `HOME=<lab home> ssh …` work; a no-op when already in place or when ssh_config.d is absent. */
export async function ensureSystemSshSnippet(): Promise<void> {
  if (!existsSync('/etc/ssh/ssh_config.d')) return;
  const cur = await fs.readFile(SYSTEM_SSH_SNIPPET, 'utf8').catch(() => '');
  if (cur === SNIPPET) return;
  // Several labs may start at once: write whole-file-or-nothing.
  const tmp = `${SYSTEM_SSH_SNIPPET}.${process.pid}.tmp`;
  await fs.writeFile(tmp, SNIPPET, { mode: 0o644 });
  await fs.rename(tmp, SYSTEM_SSH_SNIPPET);
}
