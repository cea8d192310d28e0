/**
 * A throw-away TLS certificate for `fleet ui --listen ADDR` without --tls-cert: openssl makes a
 * self-signed P-256 certificate valid 30 days; the key never touches the disk (openssl writes both to
 * stdout). The caller prints the SHA-256 fingerprint so the user can check what the browser shows.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FleetError } from '../core/errors.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex as browsers show it. */
  fingerprint: string;
}

export function generateSelfSignedCert(commonName: string): Promise<TlsMaterial> {
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '30',
  ];
  args.push('-keyout', '/dev/stdout', '-out', '/dev/stdout', '-subj', `/CN=${commonName}`);
  args.push('-addext', `subjectAltName=${/^[\d.]+$|:/.test(commonName) ? 'IP' : 'DNS'}:${commonName}`);
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { encoding: 'utf8', timeout: 20_000 }, (err, stdout) => {
      if (err) {
        return reject(
          new FleetError('usage', `cannot generate a TLS certificate with openssl: ${err.message}`, {
            hint: 'install openssl, or give --tls-cert FILE --tls-key FILE',
          }),
        );
      }
      const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(stdout)?.[0] ?? '';
      const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(stdout)?.[0] ?? '';
      if (!key || !cert) return reject(new FleetError('internal', 'openssl printed no key or certificate'));
      resolve({ cert, key, fingerprint: new X509Certificate(cert).fingerprint256 });
    });
  });
}

/** Reads --tls-cert/--tls-key; a missing or bad file is a usage error naming it. */
export async function readTlsFiles(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const read = (file: string, flag: string): Promise<string> =>
    readFile(file, 'utf8').catch((cause: unknown) => {
      throw new FleetError('usage', `${flag} ${file}: ${(cause as Error).message}`, { cause });
    });
  const [cert, key] = await Promise.all([read(certFile, '--tls-cert'), read(keyFile, '--tls-key')]);
  try {
    return { cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
  } catch (cause) {
    throw new FleetError('usage', `--tls-cert ${certFile} is not a PEM certificate`, { cause });
  }
}
