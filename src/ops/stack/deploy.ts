/**
 * `fleet stack deploy`. The Engine API has no stack endpoint, so deploy runs the manager's own docker
 * CLI over SSH with the compose text on stdin (`docker stack deploy -c - NAME`). Files the compose
 * file names are read first, here, the way docker would (ops/stack/files.ts): env files inlined,
 * config/secret files copied to a temp folder on the manager (removed after). Then it waits for every
 * service of the stack like `service create`.
 */
import { shQuote } from '../../adapters/ssh/quote.js';
import { inlineLocalFiles } from '../../core/compose-files.js';
import { FleetError } from '../../core/errors.js';
import type { HostTarget } from '../../core/host.js';
import type { OperationResult, Runtime } from '../../runtime/types.js';
import type { ManagerConn } from '../shared/manager.js';
import { waitConverged, type ConvergeOptions } from '../shared/service-converge.js';
import { readStackFiles, removeStackFiles, sendStackFiles, type StackFiles } from './files.js';
import {
  checkStackName,
  stackRun,
  STACK_LABEL,
  throughManager,
  type StackReport,
  type StackServiceRow,
  type StackState,
} from './report.js';

export interface StackDeployInput extends ConvergeOptions {
  managers: HostTarget[];
  name: string;
  compose: string;
  /** Its path as given: relative files are taken from its folder. */
  composeFile: string;
  /** The admin machine's environment, for bare `KEY` lines of env files (as docker reads them). */
  lookupEnv?: (key: string) => string | undefined;
  withRegistryAuth?: boolean;
  detach?: boolean;
  reportPath?: string;
}

export function deploy(input: StackDeployInput, rt: Runtime): Promise<OperationResult<StackReport>> {
  const state: StackState = { command: 'deploy', stack: input.name, services: [] };
  const lookupEnv = input.lookupEnv ?? (() => undefined);
  return stackRun(rt, input, state, async () => {
    checkStackName(input.name);
    // Read (or refused) before anything connects: nothing changes when a file is missing.
    const files = await readStackFiles(input.compose, input.composeFile, lookupEnv, rt);
    state.files = {
      inlined: [...files.envFiles.keys()],
      copied: files.copies.map((c) => c.ref.path),
    };
    await throughManager(rt, input.managers, state, async (m) => {
      await runDeploy(rt, m, input, files, lookupEnv);
      await waitStack(rt, m, input, state.services);
    });
  });
}

async function runDeploy(
  rt: Runtime,
  m: ManagerConn,
  input: StackDeployInput,
  files: StackFiles,
  lookupEnv: (key: string) => string | undefined,
): Promise<void> {
  const conn = await (await rt.pool()).connect(m.target, rt.signal);
  const has = await conn.exec('command -v docker', { signal: rt.signal });
  if (has.exitCode !== 0) {
    throw new FleetError('docker', 'the manager has no docker CLI, which stack deploy needs', {
      host: m.target.id,
      hint: 'install the docker CLI there (docker-ce-cli), or deploy the services with fleet service create',
    });
  }
  let dir: string | undefined;
  try {
    let compose = input.compose;
    if (files.refs.length > 0) {
      const sent = files.copies.length > 0 ? await sendStackFiles(rt, m.target, conn, files) : undefined;
      dir = sent?.dir;
      compose = inlineLocalFiles(input.compose, input.composeFile, {
        envFiles: files.envFiles,
        remotePaths: sent?.remotePaths ?? new Map(),
        lookupEnv,
      });
    }
    const auth = input.withRegistryAuth ? ' --with-registry-auth' : '';
    const res = await conn.exec(`docker stack deploy -c -${auth} ${shQuote(input.name)}`, {
      stdin: compose,
      sudo: m.target.user !== 'root',
      sudoPassword: rt.sudoPassword,
      signal: rt.signal,
    });
    for (const line of res.stdout.toString('utf8').split('\n').filter(Boolean)) {
      rt.bus.log('info', line, m.target.id);
    }
    if (res.exitCode !== 0) {
      const why = res.stderr.toString('utf8').trim().split('\n').pop() ?? `exit ${res.exitCode}`;
      throw new FleetError('docker', `docker stack deploy ${input.name} failed: ${why}`, {
        host: m.target.id,
      });
    }
  } finally {
    // docker has read the files into configs/secrets by now (or failed): the copies go either way.
    if (dir) await removeStackFiles(conn, dir);
  }
  rt.bus.emit({
    type: 'change',
    host: m.target.id,
    description: `deploy stack ${input.name}`,
    dryRun: false,
  });
}

/** Waits for every service of the stack (unless --detach), a row each; exit 11 naming each that did not converge. */
async function waitStack(
  rt: Runtime,
  m: ManagerConn,
  input: StackDeployInput,
  rows: StackServiceRow[],
): Promise<void> {
  const services = await m.engine.listServices({ label: [`${STACK_LABEL}=${input.name}`] }, rt.signal);
  const failures: string[] = [];
  for (const svc of services) {
    const desired = svc.replicas ?? 0;
    if (input.detach) {
      rows.push({ name: svc.name, running: 0, desired, converged: null, problems: [] });
      continue;
    }
    try {
      const { convergence: c } = await waitConverged(rt, m, svc, input);
      rows.push({ name: svc.name, running: c.running, desired: c.desired, converged: true, problems: [] });
    } catch (err) {
      if (!(err instanceof FleetError) || err.code !== 'converge') throw err;
      failures.push(err.message);
      rows.push({ name: svc.name, running: 0, desired, converged: false, problems: [err.message] });
    }
  }
  if (failures.length > 0) throw new FleetError('converge', failures.join('; '));
}
