/**
 * Reading a private key file safely. A key is a small regular file; anything else given as one
 * (`-i /dev/zero`, a FIFO, a multi-gigabyte file) must be refused before fleet reads it, not read
 * without limit or waited on forever.
 */
import { constants, fstatSync, openSync, closeSync, readSync, statSync, type Stats } from 'node:fs';
import { FleetError } from '../core/errors.js';

/**
 * 64 KiB: the largest key OpenSSH can generate (RSA 16384 bits, PEM or OpenSSH format) is under
 * 13 KB, so four times that is generous for any real key while keeping a wrong path cheap to refuse.
 */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

const HINT = 'point -i, key: in nodes.yml or IdentityFile in ~/.ssh/config at a private key file';

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why `st` cannot be a key file, or undefined when it can. */
function refusal(file: string, st: Stats): FleetError | undefined {
  if (!st.isFile())
    return new FleetError('usage', `identity file ${file} is ${kindOf(st)}, not a key file`, { hint: HINT });
  if (st.size > MAX_KEY_FILE_BYTES) return tooLarge(file, st.size);
  return undefined;
}

function tooLarge(file: string, size: number): FleetError {
  return new FleetError(
    'usage',
    `identity file ${file} is ${size} bytes or more; private keys are under ${MAX_KEY_FILE_BYTES / 1024} KiB`,
    { hint: HINT },
  );
}

/**
 * Throws FleetError('usage') for a path that exists but cannot be a key file. A missing or unreadable
 * file is not refused here: it is skipped with a warning when the key is tried, as before.
 */
export function checkKeyFile(file: string): void {
  let st: Stats;
  try {
    st = statSync(file);
  } catch {
    return;
  }
  const err = refusal(file, st);
  if (err) throw err;
}

/**
 * Reads a key file: opened non-blocking (a FIFO must not block the open), checked on the open
 * descriptor (no swap between the check and the read), read up to the limit only.
 */
export function readKeyFile(file: string): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const err = refusal(file, fstatSync(fd));
    if (err) throw err;
    const buf = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    let length = 0;
    while (length < buf.length) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    // The file grew after fstat: still never more than the limit.
    if (length > MAX_KEY_FILE_BYTES) throw tooLarge(file, length);
    return buf.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
