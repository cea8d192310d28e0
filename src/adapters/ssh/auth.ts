/**
 * Authentication: ssh-agent, identity files (prompting once for a passphrase), then password and
 * keyboard-interactive with the same password. Keys and prompted secrets are cached per pool, so
 * 16 hosts cost one prompt, and every secret is registered for redaction as soon as it exists.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import ssh2, {
  type AnyAuthMethod,
  type AuthenticationType,
  type AuthHandlerMiddleware,
  type ParsedKey,
} from 'ssh2';
import { FleetError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { readKeyFile } from '../key-file.js';
import type { HostTarget } from '../../core/host.js';
import type { SshSettings } from './types.js';

export function defaultIdentityFiles(home = homedir()): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f));
}

export class AuthSecrets {
  private readonly keys = new Map<string, Promise<ParsedKey | undefined>>();
  private password?: Promise<string | undefined>;
  // One prompt on the terminal at a time, whatever number of hosts are connecting.
  private readonly prompt = pLimit(1);

  constructor(private readonly settings: SshSettings) {
    registerSecret(settings.password);
  }

  private ask(question: string): Promise<string | undefined> {
    const ask = this.settings.askSecret;
    if (!ask) return Promise.resolve(undefined);
    return this.prompt(async () => {
      const answer = await ask(question);
      registerSecret(answer);
      return answer;
    });
  }

  /** Loads a private key; undefined when missing, unreadable, or its passphrase is not available. */
  key(file: string, explicit: boolean): Promise<ParsedKey | undefined> {
    let key = this.keys.get(file);
    if (!key) {
      key = this.loadKey(file, explicit);
      this.keys.set(file, key);
    }
    return key;
  }

  private async loadKey(file: string, explicit: boolean): Promise<ParsedKey | undefined> {
    let data: Buffer;
    try {
      // Bounded and non-blocking: a FIFO or /dev/zero given as a key must not hang or eat memory.
      data = readKeyFile(file);
    } catch (err) {
      if (err instanceof FleetError) {
        this.settings.warn?.(`${err.message}, skipped`);
        return undefined;
      }
      if (explicit)
        this.settings.warn?.(
          `identity file ${file} cannot be read (${(err as NodeJS.ErrnoException).code}), skipped`,
        );
      return undefined;
    }
    let parsed = ssh2.utils.parseKey(data);
    for (
      let attempt = 0;
      parsed instanceof Error && /passphrase|encrypted/i.test(parsed.message) && attempt < 3;
      attempt++
    ) {
      const passphrase = await this.ask(`Passphrase for ${file}: `);
      if (passphrase === undefined) {
        this.settings.warn?.(
          `identity file ${file} is encrypted and no passphrase prompt is available, skipped`,
        );
        return undefined;
      }
      parsed = ssh2.utils.parseKey(data, passphrase);
      if (parsed instanceof Error && attempt < 2) this.settings.warn?.(`wrong passphrase for ${file}`);
    }
    if (parsed instanceof Error) {
      this.settings.warn?.(`identity file ${file} cannot be used: ${parsed.message}`);
      return undefined;
    }
    return Array.isArray(parsed) ? parsed[0] : parsed;
  }

  passwordFor(host: HostTarget): Promise<string | undefined> {
    if (this.settings.password !== undefined) return Promise.resolve(this.settings.password);
    // One password for the whole run: fleets share an account password far more often than not.
    this.password ??= this.ask(`SSH password for ${host.user} (used for every host): `);
    return this.password;
  }
}

export interface AuthProgress {
  /** What was tried, for the error message ("agent, key ~/.ssh/id_ed25519, password"). */
  tried: string[];
  /** Stops the connect timer while a prompt waits for a human. */
  pause(): void;
  resume(): void;
}

export function makeAuthHandler(
  host: HostTarget,
  settings: SshSettings,
  secrets: AuthSecrets,
  progress: AuthProgress,
): AuthHandlerMiddleware {
  const agent = settings.agentSocket ?? process.env.SSH_AUTH_SOCK;
  const explicitKeys = host.identityFiles.length > 0;
  const keyFiles = explicitKeys ? host.identityFiles : defaultIdentityFiles();
  type Step = { name: string; method: AuthenticationType; make: () => Promise<AnyAuthMethod | undefined> };
  const username = host.user;
  const steps: Step[] = [];
  if (agent)
    steps.push({
      name: 'agent',
      method: 'publickey',
      make: async () => ({ type: 'agent', username, agent }),
    });
  for (const file of keyFiles) {
    steps.push({
      name: `key ${file}`,
      method: 'publickey',
      make: async () => {
        const key = await secrets.key(file, explicitKeys);
        return key ? { type: 'publickey', username, key } : undefined;
      },
    });
  }
  const password = (): Promise<string | undefined> => secrets.passwordFor(host);
  steps.push({
    name: 'password',
    method: 'password',
    make: async () => {
      const pw = await password();
      return pw === undefined ? undefined : { type: 'password', username, password: pw };
    },
  });
  steps.push({
    name: 'keyboard-interactive',
    method: 'keyboard-interactive',
    make: async () => {
      const pw = await password();
      if (pw === undefined) return undefined;
      return {
        type: 'keyboard-interactive',
        username,
        prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => pw)),
      };
    },
  });

  let index = 0;
  return (methodsLeft, _partial, next) => {
    const advance = async (): Promise<void> => {
      while (index < steps.length) {
        const step = steps[index++]!;
        // The first call has no list; afterwards skip what the server no longer offers.
        if (methodsLeft && !methodsLeft.includes(step.method)) continue;
        progress.pause();
        let method: AnyAuthMethod | undefined;
        try {
          method = await step.make();
        } finally {
          progress.resume();
        }
        if (!method) continue;
        progress.tried.push(step.name);
        next(method);
        return;
      }
      (next as unknown as (auth: false) => void)(false);
    };
    void advance();
  };
}
