import { describe, expect, it } from 'vitest';
import {
  applyServiceUpdate,
  buildServiceSpec,
  parseDurationNs,
  parseMount,
  parsePublish,
  parseSince,
} from '../../src/core/service-spec.js';

describe('service spec from flags', () => {
  it('builds a replicated spec with every option', () => {
    const spec = buildServiceSpec('web', {
      image: 'nginx:1',
      replicas: 3,
      env: ['A=1'],
      publish: ['8080:80'],
      mount: ['type=bind,source=/data,target=/srv,readonly'],
      constraint: ['node.role==worker'],
      gpu: true,
      network: 'fleet-network',
      label: ['team=ml'],
      limitCpu: '0.5',
      limitMemory: '512M',
      updateParallelism: 2,
      updateDelay: '10s',
      restartCondition: 'on-failure',
    });
    expect(spec).toEqual({
      Name: 'web',
      Labels: { team: 'ml' },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx:1',
          Env: ['A=1'],
          Mounts: [{ Type: 'bind', Source: '/data', Target: '/srv', ReadOnly: true }],
        },
        Resources: { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 512 * 1024 * 1024 } },
        RestartPolicy: { Condition: 'on-failure' },
        Placement: { Constraints: ['node.role==worker', 'node.labels.gpu==true'] },
        Networks: [{ Target: 'fleet-network' }],
      },
      Mode: { Replicated: { Replicas: 3 } },
      UpdateConfig: { Parallelism: 2, Delay: 10_000_000_000 },
      EndpointSpec: {
        Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
      },
    });
    expect(buildServiceSpec('g', { image: 'x', global: true }).Mode).toEqual({ Global: {} });
  });

  it('refuses bad values naming the flag', () => {
    expect(() => parsePublish('80:99999')).toThrow(/--publish "80:99999": ports are 1-65535/);
    expect(() => parseMount('type=bind,target=/x')).toThrow(/bind mount needs source/);
    expect(() => parseDurationNs('10 parsecs', '--update-delay')).toThrow(/--update-delay/);
    expect(() => buildServiceSpec('web', {})).toThrow(/--image/);
    expect(() => buildServiceSpec('-bad', { image: 'x' })).toThrow(/not valid/);
    expect(() => buildServiceSpec('w', { image: 'x', global: true, replicas: 2 })).toThrow(/exclude/);
    expect(() => buildServiceSpec('w', { image: 'x', restartCondition: 'never' })).toThrow(
      /--restart-condition/,
    );
    expect(parseDurationNs('1m30s', '--update-delay')).toBe(90e9);
  });

  it('updates only what the flags name, keeping the rest of the spec', () => {
    const spec = {
      Name: 'web',
      Labels: { keep: '1', drop: '2' },
      TaskTemplate: {
        ContainerSpec: { Image: 'a:1', Env: ['A=1', 'B=2'], Other: 'kept' },
        Placement: { Constraints: ['node.role==worker'] },
      },
      Mode: { Replicated: { Replicas: 1 } },
    };
    const out = applyServiceUpdate(spec, {
      image: 'a:2',
      env: ['A=9'],
      envRm: ['B'],
      labelRm: ['drop'],
      replicas: 4,
      force: true,
    });
    expect(out.TaskTemplate.ContainerSpec).toEqual({ Image: 'a:2', Env: ['A=9'], Other: 'kept' });
    expect(out.Labels).toEqual({ keep: '1' });
    expect(out.Mode).toEqual({ Replicated: { Replicas: 4 } });
    expect(out.TaskTemplate.Placement).toEqual({ Constraints: ['node.role==worker'] });
    expect((out.TaskTemplate as Record<string, unknown>).ForceUpdate).toBe(1);
    expect(spec.TaskTemplate.ContainerSpec.Image).toBe('a:1');
    expect(() => applyServiceUpdate({ Name: 'g', Mode: { Global: {} } }, { replicas: 2 })).toThrow(/global/);
  });

  it('reads --since as a duration ago, an ISO time or unix seconds', () => {
    const now = Date.parse('2026-01-30T10:00:00Z');
    expect(parseSince('10m', now)).toBe(now / 1000 - 600);
    expect(parseSince('2026-01-30T09:00:00Z', now)).toBe(now / 1000 - 3600);
    expect(parseSince('1700000000', now)).toBe(1700000000);
    expect(() => parseSince('yesterday', now)).toThrow(/--since "yesterday"/);
  });
});
