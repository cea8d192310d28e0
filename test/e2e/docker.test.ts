/**
 * The Docker adapter against real engines in the lab: Engine API over SSH stream-local channels,
 * API version negotiation, swarm init/join/nodes/labels/networks/leave, the dial-stdio fallback for a
 * user who cannot open the socket, autolock/unlock-key/volume raw requests, and join tokens that
 * never show up in messages or process lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { createSshPool } from '../../src/adapters/ssh/index.js';
import type { SshPool, SshSettings } from '../../src/adapters/ssh/types.js';
import {
  createDockerEngine,
  createDockerEngineWithInfo,
  CLIENT_MAX_API,
  compareApi,
} from '../../src/adapters/docker/engine.js';
import { Secret, type DockerEngine } from '../../src/adapters/docker/types.js';
import type { HostTarget } from '../../src/core/host.js';
import { FleetError } from '../../src/core/errors.js';

const PASSWORD = 'dock-lab-pw-7731';
let lab: Lab;
let pool: SshPool;
const engines: DockerEngine[] = [];

function settings(password?: string): SshSettings {
  return {
    connectTimeoutMs: 10_000,
    hostKeyPolicy: 'strict',
    knownHostsFiles: [lab.knownHostsFile],
    maxConcurrentHandshakes: 8,
    retries: 1,
    retryDelayMs: 200,
    maxChannelsPerConnection: 8,
    password,
  };
}

function target(name: string, user = 'root'): HostTarget {
  const h = lab.host(name);
  return {
    id: name,
    address: h.ip,
    port: h.port,
    user,
    identityFiles: user === 'root' ? [lab.userKeyFile] : [],
  };
}

async function engine(name: string): Promise<DockerEngine> {
  const e = await createDockerEngine(await pool.connect(target(name)));
  engines.push(e);
  return e;
}

beforeAll(async () => {
  lab = await startLab({
    id: 'dock',
    subnet: 5,
    hosts: [{ name: 'd1' }, { name: 'd2' }],
    password: PASSWORD,
  });
  pool = createSshPool(settings());
});

afterAll(async () => {
  for (const e of engines) e.close();
  await pool?.closeAll();
  await lab?.down();
});

describe('docker adapter over ssh', () => {
  it('negotiates the API version and reads /info over the unix socket channel', async () => {
    const e = await engine('d1');
    expect(e.transport).toBe('socket');
    const server = (await lab.exec('d1', "docker version --format '{{.Server.APIVersion}}'")).stdout.trim();
    const expected = compareApi(server, CLIENT_MAX_API) < 0 ? server : CLIENT_MAX_API;
    expect(e.apiVersion).toBe(expected);
    const info = await e.info();
    expect(info.hostname).toBe('d1');
    expect(info.swarm.localNodeState).toBe('inactive');
    // The handshake is GET /_ping (no GET /version): the engine's version comes from its headers.
    const version = (await lab.exec('d1', "docker version --format '{{.Server.Version}}'")).stdout.trim();
    expect(e.serverVersion).toBe(version);
  });

  it('opens an engine whose handshake is GET /info (fleet status): same API version, the info parsed', async () => {
    const { engine: e, info } = await createDockerEngineWithInfo(await pool.connect(target('d1')));
    engines.push(e);
    const server = (await lab.exec('d1', "docker version --format '{{.Server.APIVersion}}'")).stdout.trim();
    expect(e.apiVersion).toBe(compareApi(server, CLIENT_MAX_API) < 0 ? server : CLIENT_MAX_API);
    expect(info.hostname).toBe('d1');
    expect(info.serverVersion).toBe(e.serverVersion);
    expect(info.swarm.localNodeState).toBe('inactive');
    // The engine speaks the negotiated version afterwards.
    expect((await e.info()).hostname).toBe('d1');
  });

  it('forms a swarm: init, tokens as Secrets, worker join, labels, overlay network, leave', async () => {
    const d1 = await engine('d1');
    const d2 = await engine('d2');
    const ip1 = lab.host('d1').ip;
    const nodeId = await d1.swarmInit({ advertiseAddr: ip1, labels: { 'fleet.cluster': 'dock' } });
    expect(nodeId).toMatch(/^[a-z0-9]{25}$/);

    const swarm = await d1.swarmInspect();
    expect(swarm.labels['fleet.cluster']).toBe('dock');
    expect(String(swarm.tokens.worker)).toBe('[redacted]');
    expect(JSON.stringify(swarm)).not.toContain('SWMTKN');
    expect(swarm.tokens.worker.reveal()).toMatch(/^SWMTKN-1-/);

    // Sample d2's process list while it joins: the token must never be on a command line.
    let sampling = true;
    const samples: string[] = [];
    const sampler = (async () => {
      while (sampling) samples.push((await lab.exec('d2', 'ps -eo args')).stdout);
    })();
    await d2.swarmJoin({
      remoteAddrs: [`${ip1}:2377`],
      token: swarm.tokens.worker,
      advertiseAddr: lab.host('d2').ip,
    });
    sampling = false;
    await sampler;
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) expect(s).not.toContain(swarm.tokens.worker.reveal());

    const nodes = await d1.listNodes();
    expect(nodes.map((n) => n.hostname).sort()).toEqual(['d1', 'd2']);
    const worker = nodes.find((n) => n.hostname === 'd2')!;
    expect(worker.role).toBe('worker');
    expect(nodes.find((n) => n.hostname === 'd1')!.manager?.leader).toBe(true);

    await d1.updateNode(worker.id, worker.version, {
      ...worker.spec,
      Labels: { arch: 'amd64', gpu: 'true' },
    });
    expect((await d1.inspectNode(worker.id)).labels).toEqual({ arch: 'amd64', gpu: 'true' });
    // A stale version index is refused, not silently overwritten.
    await expect(d1.updateNode(worker.id, worker.version, worker.spec)).rejects.toMatchObject({
      code: 'docker',
    });

    expect(await d1.inspectNetwork('dock-net')).toBeUndefined();
    await d1.createNetwork({ name: 'dock-net', driver: 'overlay', subnet: '10.10.0.0/16', attachable: true });
    const net = await d1.inspectNetwork('dock-net');
    expect(net).toMatchObject({
      name: 'dock-net',
      driver: 'overlay',
      subnet: '10.10.0.0/16',
      attachable: true,
    });

    await d2.swarmLeave(false);
    expect((await d2.info()).swarm.localNodeState).toBe('inactive');
    await d1.swarmLeave(true);
    expect((await d1.info()).swarm.localNodeState).toBe('inactive');
  });

  it('reads autolock, the unlock key and volume mountpoints through the engine (raw requests)', async () => {
    const d1 = await engine('d1');
    await d1.swarmInit({ advertiseAddr: lab.host('d1').ip });
    try {
      expect(await d1.autolock()).toBe(false);
      expect(await d1.unlockKey()).toBeUndefined();
    } finally {
      await d1.swarmLeave(true);
    }
    expect(await d1.volumeMountpoint('fleet-a4-vol')).toBeUndefined();
    const mountpoint = await d1.createVolume('fleet-a4-vol');
    expect(mountpoint).toMatch(/fleet-a4-vol/);
    expect(await d1.volumeMountpoint('fleet-a4-vol')).toBe(mountpoint);
  });

  it('keeps a rejected token out of the error message', async () => {
    const d2 = await engine('d2');
    const bogus = new Secret(
      'SWMTKN-1-0000000000000000000000000000000000000000000000000-0000000000000000000000000',
    );
    const err = await d2
      .swarmJoin({
        remoteAddrs: [`${lab.host('d1').ip}:2377`],
        token: bogus,
        advertiseAddr: lab.host('d2').ip,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).message).not.toContain(bogus.reveal());
    expect((err as FleetError).cause).toBeUndefined();
  });

  it('falls back to docker system dial-stdio under sudo when the user cannot open the socket', async () => {
    const userPool = createSshPool(settings(PASSWORD));
    try {
      const conn = await userPool.connect(target('d1', 'fleet'));
      const e = await createDockerEngine(conn, { sudoPassword: PASSWORD });
      engines.push(e);
      expect(e.transport).toBe('dial-stdio');
      expect((await e.info()).hostname).toBe('d1');
    } finally {
      await userPool.closeAll();
    }
  });

  it('a followed log stream ends when aborted while the container is still writing', async () => {
    // `fleet service logs -f` hung after Ctrl-C (2 of 10 service.test runs, 2 of 13 runs of it by
    // hand, under load): the destroyed response waited for its SSH channel to close, which ssh2 does
    // only once every byte the host sent has been read, and the lines still arriving were never read.
    // A container writing as fast as it can leaves bytes in flight at every abort.
    await lab.importImage('d1');
    const id = (
      await lab.exec(
        'd1',
        "docker run -d --name spew fleet-lab/busybox:latest sh -c 'while true; do echo spew-line; done'",
      )
    ).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    try {
      const e = await engine('d1');
      const abort = new AbortController();
      const stream = await e.containerLogs(id, { follow: true, tail: 10 }, abort.signal);
      let lines = 0;
      const read = (async () => {
        for await (const frame of stream) {
          expect(frame.line).toBe('spew-line');
          if (++lines === 2000) abort.abort();
        }
      })();
      let hung: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        read.then(() => 'ended'),
        new Promise((r) => (hung = setTimeout(() => r('still open 60 s after the abort'), 60_000))),
      ]);
      clearTimeout(hung);
      expect(lines).toBeGreaterThanOrEqual(2000);
      expect(ended).toBe('ended');
      // The engine still answers over the same connection afterwards.
      expect((await e.info()).swarm).toBeDefined();
    } finally {
      await lab.exec('d1', 'docker rm -f spew');
    }
  });

  it('says clearly when the engine is down', async () => {
    await lab.stopDocker('d2');
    try {
      const fresh = createSshPool(settings());
      try {
        const err = await createDockerEngine(await fresh.connect(target('d2'))).then(
          () => undefined,
          (e: unknown) => e as FleetError,
        );
        expect(err?.code).toBe('docker');
        expect(err?.message).toMatch(/not reachable/);
        expect(err?.host).toBe('d2');
      } finally {
        await fresh.closeAll();
      }
    } finally {
      await lab.startDocker('d2');
    }
  });
});
