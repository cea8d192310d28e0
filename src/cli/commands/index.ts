import type { Command } from 'commander';
import { register as exec } from './exec.js';

/** Every command registers itself here; the list order is the order in `fleet --help`. */
export const commands: Array<(program: Command) => void> = [exec];
