/**
 * A real terminal for e2e tests: the built CLI runs in a tmux pane on a private tmux server (the
 * user's own sessions are never touched). Tests read the screen as a person would (capture-pane,
 * with or without the scrollback) and the raw bytes fleet wrote (pipe-pane).
 */
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLEET, scratchDir } from './exec-helpers.js';

let servers = 0;
const nextSocket = () => `fleet-tty-${process.pid}-${servers++}`;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class TmuxTerminal {
  // A fresh tmux server per start(): `kill-server` returns before the old server has exited, and a
  // new session on the same socket name can reach that dying server ("server exited unexpectedly").
  private socket = nextSocket();
  private raw = '';

  constructor(
    /** The environment tmux and the pane start with (fleetEnv(lab)). */
    private readonly env: () => Record<string, string>,
    readonly columns = 140,
    readonly rows = 50,
  ) {}

  tmux(...args: string[]) {
    return execa('tmux', ['-L', this.socket, ...args], { env: this.env(), extendEnv: false });
  }

  /**
   * Starts `fleet <args>` in a fresh tmux session. The pane waits on a tmux channel until pipe-pane
   * records its raw output, then prints the exit code and stays open so the screen can be read.
   */
  async start(cwd: string, args: string[], env: Record<string, string> = {}): Promise<void> {
    await this.kill();
    this.socket = nextSocket();
    this.raw = join(scratchDir('tty-raw'), 'raw');
    const vars = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
    const command = [
      `tmux wait-for go;`,
      `cd ${quote(cwd)};`,
      `env ${vars.join(' ')} node ${quote(FLEET)} ${args.map(quote).join(' ')};`,
      `echo "[exit $?]"; exec sleep 3600`,
    ].join(' ');
    const size = ['-x', String(this.columns), '-y', String(this.rows)];
    await this.tmux('new-session', '-d', '-s', 'fleet', ...size, 'sh', '-c', command);
    await this.tmux('pipe-pane', '-o', '-t', 'fleet', `cat >> ${quote(this.raw)}`);
    await this.tmux('wait-for', '-S', 'go');
  }

  /** The whole pane (history + screen) as text, wrapped lines joined. */
  async screen(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'fleet')).stdout;
  }

  /** Only what the screen shows now, row by row (a wrapped line shows as two rows). */
  async visible(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-t', 'fleet')).stdout;
  }

  /** Polls the screen until `test` holds; fails with the last screen after `ms`. */
  async waitFor(what: string, test: (s: string) => boolean, ms = 120_000): Promise<string> {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; the terminal shows:\n${last}`);
  }

  async exitCode(ms?: number): Promise<number> {
    const s = await this.waitFor('fleet to exit', (t) => /\[exit \d+\]/.test(t), ms);
    return Number(/\[exit (\d+)\]/.exec(s)![1]);
  }

  rawOutput(): string {
    return existsSync(this.raw) ? readFileSync(this.raw, 'utf8') : '';
  }

  async kill(): Promise<void> {
    await execa('tmux', ['-L', this.socket, 'kill-server'], { reject: false });
  }
}
