/**
 * A small tar codec for `fleet push` and `fleet pull`: headers written by fleet (ustar, with a pax
 * `path` record for long names) and a streaming reader for what GNU tar and busybox tar produce
 * (ustar, pax `x` records, GNU `L` long names). Pure: bytes in, bytes or events out; the streams
 * around it live in the operations.
 */
import { FleetError } from './errors.js';

export const BLOCK = 512;

export interface TarHeader {
  /** Path inside the archive, without a leading '/'. */
  path: string;
  type: 'file' | 'directory';
  mode: number;
  /** Seconds since the epoch (whole seconds: ustar's field). */
  mtime: number;
  size: number;
}

const enc = new TextEncoder();

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(
    Math.max(0, Math.floor(value))
      .toString(8)
      .padStart(length - 1, '0') + '\0',
    offset,
    length,
    'latin1',
  );
}

function ustarBlock(name: string, prefix: string, h: Omit<TarHeader, 'path'>, typeflag: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, h.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, h.size);
  writeOctal(block, 136, 12, h.mtime);
  block.write('        ', 148, 8, 'latin1');
  block.write(typeflag, 156, 1, 'latin1');
  block.write('ustar\0' + '00', 257, 8, 'latin1');
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return block;
}

/** "<len> key=value\n" where len counts the whole record, its own digits included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = enc.encode(body).length;
  let length = bodyLength + String(bodyLength).length;
  // Adding the digits can add a digit (e.g. 98 + 2 = 100): settle on a length that counts itself.
  while (bodyLength + String(length).length !== length) length = bodyLength + String(length).length;
  return `${length}${body}`;
}

/** Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a '/', when it fits. */
function splitUstarPath(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) {
      return { name, prefix };
    }
  }
  return undefined;
}

/** The header block(s) of one entry; a file's data and padding follow (see padding()). */
export function encodeHeader(h: TarHeader): Buffer {
  const typeflag = h.type === 'directory' ? '5' : '0';
  const path = h.type === 'directory' && !h.path.endsWith('/') ? `${h.path}/` : h.path;
  const split = splitUstarPath(path);
  const tooBig = h.size > 0o77777777777;
  if (split && !tooBig) return ustarBlock(split.name, split.prefix, h, typeflag);
  let records = paxRecord('path', path);
  if (tooBig) records += paxRecord('size', String(h.size));
  const data = Buffer.from(records, 'utf8');
  const pax = ustarBlock('PaxHeader', '', { ...h, type: 'file', size: data.length }, 'x');
  const main = ustarBlock(
    Buffer.from(path).subarray(0, 100).toString('latin1'),
    '',
    { ...h, size: tooBig ? 0 : h.size },
    typeflag,
  );
  return Buffer.concat([pax, data, padding(data.length), main]);
}

/** Zero bytes that fill `size` up to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** Two zero blocks end an archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}

/** The bytes an entry takes in the archive (headers, data, padding), for progress totals. */
export function entryBytes(h: TarHeader): number {
  return encodeHeader(h).length + h.size + padding(h.size).length;
}

export type TarEvent =
  | { type: 'entry'; header: TarHeader & { typeflag: string } }
  | { type: 'data'; chunk: Buffer }
  | { type: 'entry-end' }
  | { type: 'end' };

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

function readOctal(block: Buffer, offset: number, length: number, what: string): number {
  const field = block.subarray(offset, offset + length);
  // GNU base-256 for values that do not fit in octal.
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/g, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new FleetError('integrity', `tar stream: bad ${what} field "${text}"`);
  return parseInt(text, 8);
}

function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

/**
 * Reads a tar stream chunk by chunk: push() returns what the chunk completed (entries, their data,
 * their end), so the caller can await its writes between chunks (backpressure stays with it).
 */
export class TarReader {
  private buffered: Buffer = Buffer.alloc(0);
  /** Data bytes of the current entry still to come, then its padding. */
  private remaining = 0;
  private pad = 0;
  private inEntry = false;
  /** A pax or GNU long-name entry being collected for the next header. */
  private meta: { kind: string; size: number; chunks: Buffer[] } | undefined;
  private pending: Map<string, string> = new Map();
  private zeroBlocks = 0;
  ended = false;

  push(chunk: Buffer): TarEvent[] {
    const events: TarEvent[] = [];
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (!this.ended) {
      if (this.remaining > 0) {
        if (this.buffered.length === 0) break;
        const take = Math.min(this.remaining, this.buffered.length);
        const part = this.buffered.subarray(0, take);
        this.buffered = this.buffered.subarray(take);
        this.remaining -= take;
        if (this.meta) this.meta.chunks.push(Buffer.from(part));
        else events.push({ type: 'data', chunk: part });
        if (this.remaining > 0) break;
      }
      if (this.pad > 0) {
        const take = Math.min(this.pad, this.buffered.length);
        this.buffered = this.buffered.subarray(take);
        this.pad -= take;
        if (this.pad > 0) break;
      }
      if (this.meta) this.finishMeta();
      if (this.inEntry) {
        this.inEntry = false;
        events.push({ type: 'entry-end' });
      }
      if (this.buffered.length < BLOCK) break;
      const block = this.buffered.subarray(0, BLOCK);
      this.buffered = this.buffered.subarray(BLOCK);
      if (block.every((b) => b === 0)) {
        if (++this.zeroBlocks === 2) {
          this.ended = true;
          events.push({ type: 'end' });
        }
        continue;
      }
      this.zeroBlocks = 0;
      this.header(block, events);
    }
    return events;
  }

  private header(block: Buffer, events: TarEvent[]): void {
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (sum !== readOctal(block, 148, 8, 'checksum')) {
      throw new FleetError('integrity', 'tar stream: header checksum mismatch (the stream is corrupt)');
    }
    const typeflag = String.fromCharCode(block[156]!) || '0';
    const size = readOctal(block, 124, 12, 'size');
    this.remaining = size;
    this.pad = padding(size).length;
    if (typeflag === 'x' || typeflag === 'L' || typeflag === 'g') {
      this.meta = { kind: typeflag, size, chunks: [] };
      return;
    }
    const prefix = block.subarray(257, 262).toString('latin1') === 'ustar' ? readString(block, 345, 155) : '';
    const name = readString(block, 0, 100);
    let path = this.pending.get('path') ?? (prefix ? `${prefix}/${name}` : name);
    const paxSize = this.pending.get('size');
    const paxMtime = this.pending.get('mtime');
    this.pending = new Map();
    if (paxSize !== undefined) {
      this.remaining = Number(paxSize);
      this.pad = padding(this.remaining).length;
    }
    path = path.replace(/^\.\//, '').replace(/\/+$/, '');
    const type = typeflag === '5' ? 'directory' : 'file';
    events.push({
      type: 'entry',
      header: {
        path,
        type,
        typeflag,
        mode: readOctal(block, 100, 8, 'mode'),
        mtime: paxMtime !== undefined ? Math.floor(Number(paxMtime)) : readOctal(block, 136, 12, 'mtime'),
        size: this.remaining,
      },
    });
    this.inEntry = true;
  }

  private finishMeta(): void {
    const meta = this.meta!;
    this.meta = undefined;
    const data = Buffer.concat(meta.chunks);
    if (meta.kind === 'x') for (const [k, v] of parsePax(data)) this.pending.set(k, v);
    else if (meta.kind === 'L') this.pending.set('path', readString(data, 0, data.length));
  }
}
