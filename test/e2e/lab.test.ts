/**
 * The lab itself, end to end: real OpenSSH client and server, real Docker engines forming a real swarm,
 * the systemctl shim over SSH, fault controls, password and passphrase-key logins, and a teardown that
 * leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { execa } from 'execa';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/index.js';
import { slottedId, slottedSubnet } from '../lab/names.js';

// As startLab makes them under FLEET_LAB_SLOT (unchanged without it), for the names checked here.
const ID = slottedId('labt');
const SUBNET = 1;
const NET = `10.77.${slottedSubnet(SUBNET)}`;
const password = `pw-${randomBytes(9).toString('base64url')}`;
let lab: Lab;

async function ssh(
  ip: string,
  command: string,
  extra: string[] = [],
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const r = await execa(
    'ssh',
    ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', ...extra, `root@${ip}`, command],
    {
      env: { ...process.env, ...lab.env },
      reject: false,
      timeout: 30_000,
    },
  );
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Logs in with ssh2 (no sshpass here), checking the host key against the lab's known_hosts. */
function ssh2Exec(
  ip: string,
  auth: { username: string; password?: string; privateKey?: string; passphrase?: string },
  command: string,
  stdin?: string,
): Promise<{ out: string; code: number }> {
  const known = readFileSync(lab.knownHostsFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${ip} `));
  const expected = Buffer.from(known?.split(' ')[2] ?? '', 'base64');
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('error', reject);
    c.on('ready', () => {
      c.exec(command, (err, ch) => {
        if (err) return reject(err);
        let out = '';
        ch.on('data', (b: Buffer) => (out += b.toString()));
        ch.stderr.on('data', (b: Buffer) => (out += b.toString()));
        ch.on('exit', (code: number) => {
          ch.on('close', () => {
            c.end();
            resolve({ out, code });
          });
        });
        if (stdin !== undefined) ch.end(stdin);
      });
    });
    c.connect({
      host: ip,
      port: 22,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => key.equals(expected),
      ...auth,
    });
  });
}

async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  const netns = await fs.readdir('/run/netns').catch(() => [] as string[]);
  found.push(...netns.filter((n) => n.startsWith(`fl-${ID}-`)).map((n) => `netns ${n}`));
  const links = (await execa('ip', ['-o', 'link', 'show'])).stdout;
  found.push(
    ...links
      .split('\n')
      .filter((l) => l.includes(` fl-${ID}-`))
      .map((l) => `link ${l.slice(0, 40)}`),
  );
  if (existsSync(`/tmp/fleet-lab/${ID}`)) found.push(`folder /tmp/fleet-lab/${ID}`);
  for (const ctl of await fs.readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    if (existsSync(`/sys/fs/cgroup/${ctl}/fleet-lab/${ID}`)) found.push(`cgroup ${ctl}/fleet-lab/${ID}`);
  }
  for (const e of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const mounts = await fs.readFile(`/proc/${e}/mountinfo`, 'utf8').catch(() => '');
    if (mounts.includes(`/fleet-lab/${ID}/`)) found.push(`process ${e} with lab mounts`);
    const net = await fs.readlink(`/proc/${e}/ns/net`).catch(() => '');
    if (net && netnsInodes.has(net)) found.push(`process ${e} in a lab netns`);
  }
  return found;
}
const netnsInodes = new Set<string>();

describe('lab', () => {
  beforeAll(async () => {
    // Leftovers of a "crashed" run that reuse the very names this run needs must not break it.
    await execa('ip', ['netns', 'add', `fl-${ID}-spark`], { reject: false });
    await execa('ip', ['link', 'add', `fl-${ID}-br`, 'type', 'bridge'], { reject: false });
    await fs.mkdir(`/tmp/fleet-lab/${ID}/hosts/spark/up_etc`, { recursive: true });
    lab = await startLab({
      id: ID,
      subnet: SUBNET,
      hosts: [{ name: 'spark', role: 'manager' }, { name: 'agx-01' }, { name: 'agx-02' }],
      light: 2,
      password,
    });
    for (const h of lab.hosts) {
      netnsInodes.add(`net:[${(await fs.stat(`/run/netns/${h.netns}`)).ino}]`);
    }
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('answers ssh on every host with its own hostname, using only the lab HOME', async () => {
    expect(lab.hosts.map((h) => h.name)).toEqual(['spark', 'agx-01', 'agx-02', 'light-001', 'light-002']);
    for (const h of lab.hosts) {
      const r = await ssh(h.ip, 'hostname');
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(h.name);
      expect(h.ip).toMatch(new RegExp(`^${NET.replace(/\./g, '\\.')}\\.\\d+$`));
    }
  });

  it('keeps each host in its own mount namespace: /etc changes never reach the real root filesystem', async () => {
    const real = readFileSync('/etc/hostname', 'utf8');
    const r = await lab.exec('agx-01', 'echo lab-only > /etc/fleet-lab-probe && cat /etc/hostname');
    expect(r.stdout.trim()).toBe('agx-01');
    expect(existsSync('/etc/fleet-lab-probe')).toBe(false);
    expect((await lab.exec('agx-02', 'test -e /etc/fleet-lab-probe')).code).toBe(1);
    expect(readFileSync('/etc/hostname', 'utf8')).toBe(real);
  });

  it('runs an independent Docker engine in every full host and none in light hosts', async () => {
    const ids = new Set<string>();
    for (const h of lab.hosts.filter((x) => x.docker)) {
      const r = await lab.exec(h.name, "docker info --format '{{.ID}} {{.Name}} {{.Driver}}'");
      expect(r.code, r.stderr).toBe(0);
      const [engineId, name, driver] = r.stdout.trim().split(' ');
      expect(name).toBe(h.name);
      expect(driver).toBe('vfs');
      ids.add(engineId ?? '');
    }
    expect(ids.size).toBe(3);
    expect((await lab.exec('light-001', 'systemctl is-active docker')).code).toBe(3);
  });

  it('runs containers from a locally imported image, with no route out of the lab', async () => {
    const tag = await lab.importImage('agx-02');
    const r = await lab.exec('agx-02', `docker run --rm ${tag} sh -c 'echo hello from a container'`);
    expect([r.code, r.stdout]).toEqual([0, 'hello from a container\n']);
    expect(
      existsSync(`/sys/fs/cgroup/pids/fleet-lab/${ID}/agx-02`) ||
        existsSync(`/sys/fs/cgroup/fleet-lab/${ID}/agx-02`),
    ).toBe(true);
    const routes = await lab.exec('agx-02', 'ip route');
    expect(routes.stdout).not.toMatch(/default/);
  });

  it('forms a real 3-node swarm across the engines', async () => {
    const engine = (name: string): Docker =>
      new Docker({ socketPath: (lab.host(name).dockerHost ?? '').replace('unix://', '') });
    const spark = lab.host('spark');
    await engine('spark').swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: spark.ip });
    const info = (await engine('spark').swarmInspect()) as { JoinTokens: { Worker: string } };
    // Joined through the API, so the token never appears on a command line.
    for (const name of ['agx-01', 'agx-02']) {
      await engine(name).swarmJoin({
        ListenAddr: '0.0.0.0:2377',
        AdvertiseAddr: lab.host(name).ip,
        RemoteAddrs: [`${spark.ip}:2377`],
        JoinToken: info.JoinTokens.Worker,
      });
    }
    let ready = 0;
    for (let i = 0; i < 50 && ready < 3; i++) {
      const r = await lab.exec('spark', "docker node ls --format '{{.Hostname}} {{.Status}}'");
      ready = r.stdout.split('\n').filter((l) => l.endsWith(' Ready')).length;
      if (ready < 3) await new Promise((res) => setTimeout(res, 200));
    }
    expect(ready).toBe(3);
  });

  it('drives dockerd with systemctl over ssh, and with stopDocker/startDocker', async () => {
    const agx = lab.host('agx-01');
    let r = await ssh(agx.ip, 'systemctl is-active docker');
    expect([r.exitCode, r.stdout]).toEqual([0, 'active']);
    await lab.stopDocker('agx-01');
    r = await ssh(agx.ip, 'systemctl is-active docker');
    expect([r.exitCode, r.stdout]).toEqual([3, 'inactive']);
    await lab.startDocker('agx-01');
    r = await ssh(agx.ip, 'systemctl is-active docker && docker info --format "{{.Swarm.LocalNodeState}}"');
    expect([r.exitCode, r.stdout]).toEqual([0, 'active\nactive']);

    r = await ssh(agx.ip, 'systemctl stop docker && systemctl is-active docker');
    expect([r.exitCode, r.stdout]).toEqual([3, 'inactive']);
    r = await ssh(agx.ip, 'systemctl start docker && docker version --format "{{.Server.Version}}"');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+/);
  });

  it('cutLink makes ssh fail and restoreLink brings it back', async () => {
    const h = lab.host('light-001');
    await lab.cutLink('light-001');
    const cut = await ssh(h.ip, 'true', ['-o', 'ConnectTimeout=2']);
    expect(cut.exitCode).toBe(255);
    await lab.restoreLink('light-001');
    const back = await ssh(h.ip, 'hostname');
    expect([back.exitCode, back.stdout]).toEqual([0, 'light-001']);
  });

  it("blockPort drops only the host's packets to that port, unanswered; unblockPort lets them through", async () => {
    const target = lab.host('agx-01').ip;
    // Exit status of a TCP connect from light-001: 0 connected, 1 refused, 124 no answer in 3 s.
    const connect = async (port: number): Promise<string> =>
      (
        await lab.exec(
          'light-001',
          `timeout 3 bash -c 'exec 3<>/dev/tcp/${target}/${port}' 2>/dev/null; echo $?`,
        )
      ).stdout.trim();
    await lab.blockPort('light-001', 22);
    expect(await connect(22)).toBe('124');
    expect(await connect(23)).toBe('1'); // other ports still answered (closed: refused at once)
    await lab.unblockPort('light-001', 22);
    expect(await connect(22)).toBe('0');
  });

  it('stopHost refuses connections and startHost restores sshd and dockerd', async () => {
    const h = lab.host('agx-02');
    await lab.stopHost('agx-02');
    const down = await ssh(h.ip, 'true');
    expect(down.exitCode).toBe(255);
    expect(down.stderr).toMatch(/refused/);
    await lab.startHost('agx-02');
    const up = await ssh(h.ip, 'systemctl is-active ssh docker');
    expect([up.exitCode, up.stdout]).toEqual([0, 'active\nactive']);
  });

  it('logs in as the sudo user fleet with the password, and sudo asks for it', async () => {
    const ip = lab.host('light-002').ip;
    const who = await ssh2Exec(ip, { username: 'fleet', password }, 'id -un; hostname');
    expect(who).toEqual({ out: 'fleet\nlight-002\n', code: 0 });
    const noPw = await ssh2Exec(ip, { username: 'fleet', password }, 'sudo -n true');
    expect(noPw.code).not.toBe(0);
    const sudo = await ssh2Exec(ip, { username: 'fleet', password }, "sudo -S -p '' id -u", `${password}\n`);
    expect(sudo).toEqual({ out: '0\n', code: 0 });
    await expect(ssh2Exec(ip, { username: 'fleet', password: `${password}x` }, 'true')).rejects.toThrow(
      /authentication/i,
    );
  });

  it('accepts the passphrase-protected key only with its passphrase', async () => {
    const ip = lab.host('spark').ip;
    const privateKey = readFileSync(lab.encryptedKeyFile, 'utf8');
    expect(privateKey).not.toContain(lab.keyPassphrase);
    const ok = await ssh2Exec(
      ip,
      { username: 'root', privateKey, passphrase: lab.keyPassphrase },
      'hostname',
    );
    expect(ok).toEqual({ out: 'spark\n', code: 0 });
    await expect(ssh2Exec(ip, { username: 'root', privateKey }, 'true')).rejects.toThrow(/passphrase/i);
  });

  it('rotateHostKey makes strict ssh refuse the host until known_hosts is refreshed', async () => {
    const h = lab.host('light-002');
    await lab.rotateHostKey('light-002');
    const refused = await ssh(h.ip, 'true');
    expect(refused.exitCode).toBe(255);
    expect(refused.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED/);
    await lab.refreshKnownHosts();
    const ok = await ssh(h.ip, 'hostname');
    expect([ok.exitCode, ok.stdout]).toEqual([0, 'light-002']);
  });

  it('writes an inventory in the nodes.yml format', () => {
    const file = lab.writeInventory(undefined, ['spark', 'agx-01']);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        'defaults: { user: root, port: 22 }',
        'nodes:',
        `  - { id: spark, name: spark, ip: ${NET}.2, type: dgx-spark, role: manager }`,
        `  - { id: agx-01, name: agx-01, ip: ${NET}.3, type: jetson-agx-xavier }`,
        '',
      ].join('\n'),
    );
    expect(() => lab.writeInventory(undefined, ['nope'])).toThrow(/no host 'nope'/);
  });

  it('down() leaves no namespace, link, process, mount or folder behind', async () => {
    expect((await leftovers()).length).toBeGreaterThan(0);
    await lab.down();
    expect(await leftovers()).toEqual([]);
  });
});
