import { describe, expect, it } from 'vitest';
import { composeLocalFiles, refuseLocalFiles } from '../../src/core/compose-files.js';

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

describe('compose local files', () => {
  it('finds env_file (string, list, objects) and file: of configs and secrets', () => {
    expect(composeLocalFiles(compose, 'stack.yml')).toEqual([
      { where: 'services.web.env_file', path: 'web.env' },
      { where: 'services.api.env_file', path: 'a.env' },
      { where: 'services.api.env_file', path: './b.env' },
      { where: 'configs.site.file', path: './site.conf' },
      { where: 'secrets.db.file', path: '/etc/secret/db' },
    ]);
  });

  it('refuses naming each file, and accepts a compose file without any', () => {
    expect(() => refuseLocalFiles(composeLocalFiles(compose, 's.yml'), 's.yml')).toThrow(
      /s\.yml refers to local files the manager cannot read: services\.web\.env_file: web\.env; .*secrets\.db\.file: \/etc\/secret\/db/,
    );
    expect(composeLocalFiles('services:\n  a:\n    image: x\n', 'ok.yml')).toEqual([]);
    expect(() => composeLocalFiles('services: [', 'bad.yml')).toThrow(/bad\.yml: not valid YAML/);
  });
});
