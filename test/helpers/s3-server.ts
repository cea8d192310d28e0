/**
 * A real S3 server (s3rver) for tests: bound to 127.0.0.1 on a random port, data in a temp folder.
 * `stop()` also drops open keep-alive/upload connections, so a test can cut the store mid-upload.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

// s3rver ships CommonJS without type declarations.
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverCtor;
// s3rver knows one hard-coded account; its registry is how further key pairs become valid.
const accounts = require('s3rver/lib/models/account.js') as {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
};

/** s3rver accepts exactly these credentials (any other key fails the signature check). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface TestS3Server {
  endpoint: string;
  port: number;
  directory: string;
  /** Stops listening and destroys open connections (uploads in flight fail). Data stays on disk. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same data. */
  start(): Promise<void>;
  /** stop() and remove the data folder. */
  dispose(): Promise<void>;
}

export interface S3ServerOptions {
  /** An extra key pair the server accepts (signatures still checked), so tests can use unique throwaway keys. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Called for every request (method, url, headers) as it arrives; e.g. to stop the server mid-upload. */
  onRequest?: (method: string, url: string, headers: Record<string, string | string[] | undefined>) => void;
}

export async function startS3Server(
  buckets: string[] = ['fleet-backups'],
  options: S3ServerOptions = {},
): Promise<TestS3Server> {
  if (options.credentials) {
    accounts.DUMMY_ACCOUNT.createKeyPair(
      options.credentials.accessKeyId,
      options.credentials.secretAccessKey,
    );
  }
  const directory = await mkdtemp(join(tmpdir(), 'fleet-s3rver-'));
  let port = 0;
  let instance: S3rverInstance | undefined;

  async function start(): Promise<void> {
    const server = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      // Path-style only: the endpoint is an IP, virtual-host buckets cannot resolve.
      vhostBuckets: false,
      configureBuckets: buckets.map((name) => ({ name })),
    });
    const address = await server.run();
    port = address.port;
    instance = server;
    const hook = options.onRequest;
    if (hook)
      server.httpServer?.prependListener('request', (req) =>
        hook(req.method ?? '', req.url ?? '', req.headers),
      );
  }

  async function stop(): Promise<void> {
    const server = instance;
    instance = undefined;
    if (!server?.httpServer) return;
    const closed = server.close().catch(() => undefined);
    server.httpServer.closeAllConnections();
    await closed;
  }

  await start();
  return {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    directory,
    stop,
    start,
    async dispose() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
