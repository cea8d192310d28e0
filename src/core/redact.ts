/**
 * The one place secrets are removed from text. Anything that holds a secret (join tokens, passwords,
 * passphrases, S3 keys) registers it here as soon as it is read; every view, report writer and error
 * printer passes its text through `redact` before it leaves the process.
 */
const secrets = new Set<string>();
const MASK = '[redacted]';

// Swarm join tokens have a fixed shape; redact them even if nobody registered them.
const SWARM_TOKEN = /SWMTKN-1-[0-9a-z]+-[0-9a-z]+/gi;
const SWARM_UNLOCK_KEY = /SWMKEY-1-[0-9A-Za-z+/=]+/g;

export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact ordinary words; they are not meaningful secrets anyway.
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text.replace(SWARM_TOKEN, MASK).replace(SWARM_UNLOCK_KEY, MASK);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

/** Deep-redacts every string inside a JSON-like value (reports). */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v);
    return out as T;
  }
  return value;
}

/** For tests: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
}

/** What `redact` removes, for redacting byte streams (core/redact-stream.ts). */
export function redactionRules(): { secrets: string[]; patterns: RegExp[]; mask: string } {
  return { secrets: [...secrets], patterns: [SWARM_TOKEN, SWARM_UNLOCK_KEY], mask: MASK };
}
