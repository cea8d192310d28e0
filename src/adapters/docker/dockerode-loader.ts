/**
 * dockerode, loaded once and only when a command first talks to an engine (it pulls in grpc and
 * protobuf: `fleet --help` must not pay for it).
 */
import type Dockerode from 'dockerode';

let dockerodeModule: Promise<typeof Dockerode> | undefined;
export function loadDockerode(): Promise<typeof Dockerode> {
  // docker-modem logs full responses (GET /swarm carries the join tokens) when DEBUG names it.
  if (process.env.DEBUG) {
    process.env.DEBUG = process.env.DEBUG.split(/[\s,]+/)
      .filter((ns) => ns && !/^(modem|\*)$/.test(ns))
      .join(',');
  }
  dockerodeModule ??= import('dockerode').then((m) => m.default);
  return dockerodeModule;
}

/**
 * Starts loading dockerode now (it takes ~0.3–0.8 s: it pulls in grpc and protobuf), so that a caller
 * can overlap it with its SSH connects instead of paying it after the first one.
 */
export function preloadDockerClient(): void {
  loadDockerode().catch(() => undefined);
}
