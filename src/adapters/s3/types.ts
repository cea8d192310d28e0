/**
 * Backup targets behind one interface: a local folder or an S3-compatible bucket (MinIO, AWS).
 * Keys are relative to the store's root (the folder, or `s3://bucket/prefix/`), always '/'-separated.
 */
import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** Secrets (the swarm unlock key) are stored owner-readable only where the store supports it. */
  secret?: boolean;
}

export interface BackupStore {
  /** Where the store is, for messages and reports: `/abs/backups` or `s3://bucket/prefix`. Never has credentials. */
  readonly location: string;
  /** Streams `body` into `key` without staging it anywhere else; resolves with the bytes stored. */
  put(key: string, body: Readable, options?: PutOptions): Promise<{ size: number }>;
  /** Small objects (manifest, unlock key). */
  putBytes(key: string, data: Buffer | string, options?: PutOptions): Promise<void>;
  get(key: string, signal?: AbortSignal): Promise<Readable>;
  /** Every object under `prefix` (recursive), keys relative to the store root. */
  list(prefix?: string): Promise<StoredObject[]>;
  delete(keys: string[]): Promise<void>;
  /** Releases sockets; the store is unusable afterwards. */
  close(): Promise<void>;
}
