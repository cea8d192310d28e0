/**
 * Admin machines inside the lab: a light lab host (its own network, mount, UTS and pid namespaces on
 * the lab bridge) runs the built fleet CLI with a HOME of its own (the lab key and known_hosts copied
 * into it), like a second laptop. Two clients share nothing but the cluster they manage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/index.js';

const BIN = join(process.cwd(), 'bin', 'fleet.js');

export interface LabClient {
  host: string;
  /** HOME and working folder inside the client host. */
  home: string;
  /** Runs fleet to completion inside the client; the pid is written to <home>/fleet.pid first. */
  fleet(args: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
  /** fleet's pid inside the client (after fleet() was started). */
  pid(): Promise<number>;
  /** Sends a signal to the fleet process started last (inside the client's own pid namespace). */
  signal(sig: 'STOP' | 'CONT' | 'KILL'): Promise<void>;
  /** Runs a shell command inside the client. */
  sh(command: string): Promise<string>;
  /** Waits until the stderr of the fleet process started last matches `re` (it is still running). */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<void>;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export async function makeClient(lab: Lab, host: string, inventoryNames: string[]): Promise<LabClient> {
  const home = `/root/${host}`;
  const must = async (command: string, input?: string): Promise<string> => {
    const r = await lab.exec(host, command, input === undefined ? {} : { input });
    if (r.code !== 0) throw new Error(`${host}: ${command}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  await must(`rm -rf ${home} && mkdir -p ${home}/.ssh && chmod 700 ${home}/.ssh`);
  await must(`umask 077 && cat > ${home}/.ssh/id_ed25519`, readFileSync(lab.userKeyFile, 'utf8'));
  await must(`cat > ${home}/.ssh/known_hosts`, readFileSync(lab.knownHostsFile, 'utf8'));
  const inventory = readFileSync(
    lab.writeInventory(join(lab.dir, `nodes-${host}.yml`), inventoryNames),
    'utf8',
  );
  await must(`cat > ${home}/nodes.yml`, inventory);
  const client: LabClient = {
    host,
    home,
    async fleet(args, timeoutMs = 240_000) {
      // In the background of a shell, not nsenter's own child: nsenter stops itself when its child
      // is stopped (kill -STOP) and would never resume, leaving fleet unreaped.
      // stderr also goes to a file while it runs (waitForStderr), and is printed at the end.
      const cmd =
        `cd ${home} && HOME=${home} NO_COLOR=1 node ${q(BIN)} ${args.map(q).join(' ')} 2>${home}/fleet.err & ` +
        `echo $! > ${home}/fleet.pid; wait $!; code=$?; cat ${home}/fleet.err >&2; exit $code`;
      const r = await lab.exec(host, cmd, { timeoutMs });
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    },
    async pid() {
      return Number((await must(`cat ${home}/fleet.pid`)).trim());
    },
    async signal(sig) {
      await must(`kill -${sig} $(cat ${home}/fleet.pid)`);
    },
    sh: (command) => must(command),
    async waitForStderr(re, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(await must(`cat ${home}/fleet.err 2>/dev/null || true`))) {
        if (Date.now() > deadline) throw new Error(`${host}: fleet never printed ${re}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  return client;
}
