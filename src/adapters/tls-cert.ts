/**
 * A throw-away TLS certificate for `fleet ui --listen ADDR` without --tls-cert: openssl makes a
 * self-signed P-256 certificate valid 30 days, written by openssl into a private temp folder that is
 * removed once read (the key lives on in memory only). The caller prints the SHA-256 fingerprint so the user can check what the browser shows.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetError } from '../core/errors.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex as browsers show it. */
  fingerprint: string;
}

export async function generateSelfSignedCert(commonName: string): Promise<TlsMaterial> {
  // openssl cannot write to a socketpair's /dev/stdout, so both go to a private (0700) folder that is
  // removed right after reading.
  const dir = await mkdtemp(join(tmpdir(), 'fleet-ui-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
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
  args.push('-keyout', keyFile, '-out', certFile, '-subj', `/CN=${commonName}`);
  args.push('-addext', `subjectAltName=${/^[\d.]+$|:/.test(commonName) ? 'IP' : 'DNS'}:${commonName}`);
  try {
    await new Promise<void>((resolve, reject) => {
      execFile('openssl', args, { timeout: 20_000 }, (err) => {
        if (!err) return resolve();
        reject(
          new FleetError(
            'usage',
            `cannot generate a TLS certificate with openssl: ${err.message.split('\n')[0]}`,
            {
              hint: 'install openssl, or give --tls-cert FILE --tls-key FILE',
            },
          ),
        );
      });
    });
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
