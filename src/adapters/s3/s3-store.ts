/**
 * S3-compatible backup target (MinIO on the DGX Spark, AWS, s3rver in tests). Uploads stream through
 * @aws-sdk/lib-storage multipart: memory is bounded by partSize x queueSize per object, nothing is staged.
 * Credentials come only from the SDK's default chain (AWS_* environment, profile); they are registered
 * as secrets the moment they are resolved and are never part of `location` or any message.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, Readable } from 'node:stream';
import { FleetError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import type { S3Settings } from './config.js';
import type { BackupStore, PutOptions, StoredObject } from './types.js';

// The SDK's "Node 20 support ends in 2027" notice would land on stdout/stderr of every backup; fleet
// bundles its SDK, so the notice is for fleet's maintainers (package.json engines), not its users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** 8 MiB parts: 10,000 parts allow objects up to ~80 GB; two parts in flight per object. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

export class S3Store implements BackupStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;

  private constructor(settings: S3Settings, client: S3Client) {
    this.bucket = settings.bucket;
    this.root = settings.prefix ? settings.prefix.replace(/\/+$/, '') + '/' : '';
    this.location = `s3://${settings.bucket}/${this.root}`.replace(/\/$/, '');
    this.client = client;
  }

  /** Builds the client and resolves credentials up front, so a missing key fails before any host is touched. */
  static async open(settings: S3Settings): Promise<S3Store> {
    const client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      // MinIO releases and s3rver predate the SDK's default CRC32 trailers; send checksums only where S3 demands them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    const store = new S3Store(settings, client);
    try {
      const credentials = await client.config.credentials();
      registerSecret(credentials.accessKeyId);
      registerSecret(credentials.secretAccessKey);
      registerSecret(credentials.sessionToken);
    } catch (err) {
      client.destroy();
      throw new FleetError('storage', `no S3 credentials for ${store.location}`, {
        hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a profile in ~/.aws/credentials',
        cause: err,
      });
    }
    return store;
  }

  private full(key: string): string {
    return this.root + key;
  }

  private url(key: string): string {
    return `s3://${this.bucket}/${this.full(key)}`;
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<{ size: number }> {
    let size = 0;
    const counted = new PassThrough();
    counted.on('data', (chunk: Buffer) => (size += chunk.length));
    body.on('error', (err) => counted.destroy(err));
    body.pipe(counted);
    const abortController = new AbortController();
    const onAbort = (): void => abortController.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.full(key), Body: counted },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // Failed multipart uploads are aborted so no orphan parts keep costing storage.
      leavePartsOnError: false,
      abortController,
    });
    try {
      await upload.done();
    } catch (err) {
      body.destroy();
      counted.destroy();
      throw this.error('upload', key, err);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    return { size };
  }

  async putBytes(key: string, data: Buffer | string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.full(key), Body: data }));
    } catch (err) {
      throw this.error('write', key, err);
    }
  }

  async get(key: string, signal?: AbortSignal): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.full(key) }), {
        abortSignal: signal,
      });
      if (!(out.Body instanceof Readable)) throw new Error('response has no body stream');
      return out.Body;
    } catch (err) {
      throw this.error('read', key, err);
    }
  }

  async list(prefix = ''): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.full(prefix),
            ContinuationToken: token,
          }),
        );
        for (const item of page.Contents ?? []) {
          if (!item.Key?.startsWith(this.root)) continue;
          out.push({
            key: item.Key.slice(this.root.length),
            size: item.Size ?? 0,
            lastModified: item.LastModified,
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.error('list', prefix, err);
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(keys: string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys per request.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      let failed: string | undefined;
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.full(key) })), Quiet: true },
          }),
        );
        const first = out.Errors?.[0];
        if (first) failed = `${first.Key ?? '?'}: ${first.Code ?? ''} ${first.Message ?? ''}`.trim();
      } catch (err) {
        throw this.error('delete', batch[0] ?? '', err);
      }
      if (failed) throw new FleetError('storage', `cannot delete from ${this.location}: ${failed}`);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private error(op: string, key: string, err: unknown): FleetError {
    if (err instanceof FleetError) return err;
    const e = err as {
      name?: string;
      message?: string;
      code?: string;
      $metadata?: { httpStatusCode?: number };
    };
    const status = e.$metadata?.httpStatusCode;
    const reason = [e.name && e.name !== 'Error' ? e.name : undefined, e.message].filter(Boolean).join(': ');
    let hint: string | undefined;
    if (e.name === 'NoSuchKey' || status === 404)
      hint = 'the object does not exist; check the id with `fleet backup ls`';
    else if (e.name === 'NoSuchBucket') hint = `create the bucket ${this.bucket} first`;
    else if (status === 403 || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch')
      hint = 'the S3 credentials were refused; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE';
    else if (
      /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|ETIMEDOUT|EHOSTUNREACH/i.test(`${e.code} ${e.message}`)
    )
      hint = 'the S3 endpoint stopped answering; check that it is running and reachable';
    return new FleetError('storage', `S3 ${op} of ${this.url(key)} failed: ${reason || 'unknown error'}`, {
      hint,
      cause: err,
    });
  }
}
