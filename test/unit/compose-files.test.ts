import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  composeLocalFiles,
  inlineLocalFiles,
  localPathOf,
  parseEnvFile,
  refuseLocalFiles,
} from '../../src/core/compose-files.js';

const compose = `
services:
  web:
    image: nginx
    env_file: web.env
  api:
    image: api
    env_file:
      - a.env
      - path: ./b.env
        required: false
  plain:
    image: x
configs:
  site:
    file: ./site.conf
  ext:
    external: true
secrets:
  db:
    file: /etc/secret/db
`;

const noEnv = (): undefined => undefined;

describe('compose local files', () => {
  it('finds env_file (string, list, objects) and file: of configs and secrets', () => {
    expect(composeLocalFiles(compose, 'stack.yml').map((r) => [r.where, r.path, r.required])).toEqual([
      ['services.web.env_file', 'web.env', true],
      ['services.api.env_file', 'a.env', true],
      ['services.api.env_file', './b.env', false],
      ['configs.site.file', './site.conf', true],
      ['secrets.db.file', '/etc/secret/db', true],
    ]);
    expect(composeLocalFiles('services:\n  a:\n    image: x\n', 'ok.yml')).toEqual([]);
    expect(() => composeLocalFiles('services: [', 'bad.yml')).toThrow(/bad\.yml: not valid YAML/);
  });

  it('takes relative paths from the compose file folder, as docker does', () => {
    expect(localPathOf({ path: './site.conf' }, 'deploy/prod')).toBe('deploy/prod/site.conf');
    expect(localPathOf({ path: '../x.env' }, '/srv/app')).toBe('/srv/x.env');
    expect(localPathOf({ path: '/etc/secret/db' }, '/srv/app')).toBe('/etc/secret/db');
  });

  it('refuses naming each unreadable file with why', () => {
    const [web, , , , db] = composeLocalFiles(compose, 's.yml');
    expect(() =>
      refuseLocalFiles(
        [
          { ref: web!, reason: 'no such file' },
          { ref: db!, reason: 'permission denied' },
        ],
        's.yml',
      ),
    ).toThrow(
      's.yml refers to files fleet cannot read: services.web.env_file: web.env (no such file); secrets.db.file: /etc/secret/db (permission denied)',
    );
    expect(() => refuseLocalFiles([], 's.yml')).not.toThrow();
  });
});

describe('env files as docker reads them', () => {
  it('keeps values exactly, skips comments and blanks, takes bare keys from the environment', () => {
    const text = '\uFEFF# comment\n\n  A=1\nB= spaced "quoted" \nC=x=y\r\nHOME_ONLY\nMISSING\nE=\n';
    const env = (k: string): string | undefined => ({ HOME_ONLY: '/home/u' })[k];
    expect(parseEnvFile(text, 'a.env', env)).toEqual([
      ['A', '1'],
      ['B', ' spaced "quoted" '],
      ['C', 'x=y'],
      ['HOME_ONLY', '/home/u'],
      ['E', ''],
    ]);
  });

  it('refuses a key with blanks naming file and line, never the value', () => {
    expect(() => parseEnvFile('OK=1\nBAD KEY=sekr1t\n', 'x.env', noEnv)).toThrow(
      'x.env:2: variable name "BAD KEY" contains blanks',
    );
    try {
      parseEnvFile('=sekr1t', 'x.env', noEnv);
    } catch (err) {
      expect((err as Error).message).toBe('x.env:1: no variable name');
    }
  });
});

describe('inlining for the manager', () => {
  it("folds env files into environment with docker's precedence and points file: at the copies", () => {
    const text = `
services:
  web:
    image: nginx
    env_file: [one.env, two.env]
    environment:
      - FROM_SVC=svc
      - BOTH=svc
  api:
    image: api
    env_file: one.env
    environment:
      KEEP: 1
configs:
  site:
    file: ./site.conf
secrets:
  db:
    file: ./db.txt
`;
    const out = inlineLocalFiles(text, 'c.yml', {
      envFiles: new Map([
        [
          'one.env',
          [
            ['A', 'one'],
            ['BOTH', 'one'],
            ['PRICE', 'a$b'],
            ['EMPTY', ''],
          ],
        ],
        ['two.env', [['A', 'two']]],
      ]),
      remotePaths: new Map([
        ['configs.site.file', '/tmp/fleet-stack-x/1-site.conf'],
        ['secrets.db.file', '/tmp/fleet-stack-x/2-db.txt'],
      ]),
      lookupEnv: (k) => (k === 'EMPTY' ? 'from-admin' : undefined),
    });
    const doc = parse(out) as {
      services: Record<string, { env_file?: unknown; environment: Record<string, unknown> }>;
      configs: { site: { file: string } };
      secrets: { db: { file: string } };
    };
    expect(doc.services.web!.env_file).toBeUndefined();
    expect(doc.services.web!.environment).toEqual({
      A: 'two',
      BOTH: 'svc',
      PRICE: 'a$$b',
      EMPTY: 'from-admin',
      FROM_SVC: 'svc',
    });
    expect(doc.services.api!.environment).toMatchObject({ A: 'one', KEEP: 1 });
    expect(doc.configs.site.file).toBe('/tmp/fleet-stack-x/1-site.conf');
    expect(doc.secrets.db.file).toBe('/tmp/fleet-stack-x/2-db.txt');
  });
});
