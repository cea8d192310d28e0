/** core/exec-allow.ts: the MCP exec allow-list matches parsed commands, never a metacharacter it does not spell. */
import { describe, expect, it } from 'vitest';
import { checkAllowList, parseShellCommand } from '../../src/core/exec-allow.js';

const LIST = ['nvidia-smi*', 'docker ps*'];

describe('parseShellCommand', () => {
  it('splits words like sh and removes quotes', () => {
    expect(parseShellCommand(`docker  ps --format '{{.Names}} x' "a b"`)).toEqual({
      words: ['docker', 'ps', '--format', '{{.Names}} x', 'a b'],
      metachars: [],
      unterminated: false,
    });
  });
  it('finds metacharacters outside single quotes only', () => {
    expect(parseShellCommand(`echo 'a;b|c$(d)'`).metachars).toEqual([]);
    expect(parseShellCommand(`echo "$(id)"`).metachars).toEqual(['$(']);
    expect(parseShellCommand('echo `id`').metachars).toEqual(['`']);
    expect(parseShellCommand('a && b').metachars).toEqual(['&']);
    expect(parseShellCommand('a > /tmp/x').metachars).toEqual(['>']);
    expect(parseShellCommand('a\nb').metachars).toEqual(['\n']);
    expect(parseShellCommand(`echo 'open`).unterminated).toBe(true);
  });
});

describe('checkAllowList', () => {
  it('allows commands that match a pattern, compared word by word', () => {
    expect(checkAllowList('nvidia-smi', LIST)).toEqual({ allowed: true, pattern: 'nvidia-smi*' });
    expect(checkAllowList('nvidia-smi --query-gpu=name --format=csv', LIST).allowed).toBe(true);
    expect(checkAllowList('docker   ps -a', LIST)).toEqual({ allowed: true, pattern: 'docker ps*' });
  });
  it('refuses a separator, a substitution, a newline and a pipe even after an allowed prefix', () => {
    for (const cmd of [
      'nvidia-smi; rm -rf /',
      'nvidia-smi $(rm -rf /)',
      'nvidia-smi `reboot`',
      'nvidia-smi\nrm -rf /',
      'nvidia-smi | sh',
      'nvidia-smi && reboot',
      'nvidia-smi > /etc/passwd',
      'docker ps "$(id)"',
    ]) {
      const d = checkAllowList(cmd, LIST);
      expect(d.allowed, cmd).toBe(false);
      if (!d.allowed) expect(d.reason).toMatch(/metacharacters/);
    }
  });
  it('refuses commands outside the list, naming the list', () => {
    const d = checkAllowList('rm -rf /', LIST);
    expect(d).toEqual({
      allowed: false,
      reason: 'it matches no --exec-allow pattern (nvidia-smi*, docker ps*)',
    });
  });
  it('allows metacharacters only where the pattern spells them out', () => {
    expect(checkAllowList('docker ps | head -3', ['docker ps | head*']).allowed).toBe(true);
    expect(checkAllowList('docker ps | sh', ['docker ps | head*']).allowed).toBe(false);
  });
  it('allows anything when no list is given, and never an unterminated quote with one', () => {
    expect(checkAllowList('anything; at all', []).allowed).toBe(true);
    expect(checkAllowList(`nvidia-smi 'x`, LIST).allowed).toBe(false);
  });
});
