/** The SSH adapter's public surface. */
export { createSshPool, backoffDelay } from './pool.js';
export {
  applySshConfig,
  loadSshConfig,
  parseSshConfig,
  resolveSshConfig,
  policyFromStrict,
} from './ssh-config.js';
export type { SshConfig, ApplyOptions, ResolvedSshConfig } from './ssh-config.js';
export {
  parseKnownHosts,
  checkHostKey,
  fingerprint,
  knownHostName,
  formatKnownHostsLine,
} from './known-hosts.js';
export { defaultIdentityFiles } from './auth.js';
export { shQuote, shJoin } from './quote.js';
export type * from './types.js';
