import type { Command } from 'commander';
import { register as exec } from './exec.js';
import { register as facts } from './facts.js';
import { register as score } from './score.js';
import { register as up } from './up.js';
import { register as down } from './down.js';
import { register as discover } from './discover.js';
import { register as backup } from './backup.js';
import { register as restore } from './restore.js';
import { register as status } from './status.js';
import { register as ps } from './ps.js';
import { register as push } from './push.js';
import { register as pull } from './pull.js';
import { register as wait } from './wait.js';
import { register as reboot } from './reboot.js';
import { register as rollout } from './rollout.js';
import { register as service } from './service.js';
import { register as node } from './node.js';
import { register as stack } from './stack.js';
import { register as bootstrap } from './bootstrap.js';
import { register as mcp } from './mcp.js';
import { register as recovery } from './recovery.js';
import { register as clean } from './clean.js';
import { register as ui } from './ui.js';

/** Every command registers itself here; the list order is the order in `fleet --help`. */
export const commands: Array<(program: Command) => void> = [
  exec,
  bootstrap,
  up,
  down,
  discover,
  backup,
  restore,
  status,
  ps,
  push,
  pull,
  wait,
  reboot,
  rollout,
  node,
  service,
  stack,
  recovery,
  clean,
  mcp,
  ui,
  facts,
  score,
];
