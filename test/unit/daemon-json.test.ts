import { describe, expect, it } from 'vitest';
import { describeChanges, mergeDaemonJson, parseDaemonJson } from '../../src/core/daemon-json.js';

describe('daemon.json merge', () => {
  it('adds log rotation to an empty file and nothing else', () => {
    const m = mergeDaemonJson({}, { nvidiaDefault: false });
    expect(m.after).toEqual({ 'log-opts': { 'max-size': '10m', 'max-file': '3' } });
    expect(m.text).toBe('{\n  "log-opts": {\n    "max-size": "10m",\n    "max-file": "3"\n  }\n}\n');
  });

  it("keeps the user's keys and values, in their order", () => {
    const before = parseDaemonJson(
      '{"data-root":"/nvme/docker","log-opts":{"max-size":"50m"},"insecure-registries":["spark:5000"]}',
      'x',
    );
    const m = mergeDaemonJson(before, { nvidiaDefault: false });
    expect(Object.keys(m.after)).toEqual(['data-root', 'log-opts', 'insecure-registries']);
    expect(m.after['log-opts']).toEqual({ 'max-size': '50m', 'max-file': '3' });
    expect(m.after['data-root']).toBe('/nvme/docker');
    expect(describeChanges(m.changes)).toEqual(['+ log-opts.max-file: "3" (rotate json-file logs)']);
  });

  it('leaves logs alone when another log driver is chosen', () => {
    const m = mergeDaemonJson({ 'log-driver': 'journald' }, { nvidiaDefault: false });
    expect(m.changes).toEqual([]);
    expect(m.text).toBeUndefined();
  });

  it('sets the NVIDIA default runtime, registering it only when nvidia-docker2 did not', () => {
    const registered = {
      runtimes: { nvidia: { path: '/usr/bin/nvidia-container-runtime', runtimeArgs: [] } },
    };
    const m = mergeDaemonJson(registered, { nvidiaDefault: true });
    expect(m.after['default-runtime']).toBe('nvidia');
    expect(m.after.runtimes).toEqual(registered.runtimes);
    const bare = mergeDaemonJson({ 'default-runtime': 'runc' }, { nvidiaDefault: true });
    expect(bare.after.runtimes).toEqual({ nvidia: { path: 'nvidia-container-runtime', runtimeArgs: [] } });
    expect(describeChanges(bare.changes)).toContain(
      '~ default-runtime: "runc" → "nvidia" (swarm services see the GPU only through the default runtime)',
    );
  });

  it('removes live-restore, which dockerd refuses in swarm mode', () => {
    const m = mergeDaemonJson({ 'live-restore': true, debug: true }, { nvidiaDefault: false });
    expect(m.after['live-restore']).toBeUndefined();
    expect(m.after.debug).toBe(true);
    expect(describeChanges(m.changes)).toContain(
      '- live-restore: true (dockerd refuses swarm mode with live-restore)',
    );
  });

  it('is idempotent: merging the merged file changes nothing', () => {
    const once = mergeDaemonJson({ debug: true, 'live-restore': true }, { nvidiaDefault: true });
    const twice = mergeDaemonJson(parseDaemonJson(once.text, 'x'), { nvidiaDefault: true });
    expect(twice.changes).toEqual([]);
    expect(twice.text).toBeUndefined();
  });

  it('refuses a broken file, naming it, instead of replacing it', () => {
    expect(() => parseDaemonJson('{"debug": true,', 'agx-01:/etc/docker/daemon.json')).toThrow(
      /agx-01:\/etc\/docker\/daemon.json: not valid JSON/,
    );
    expect(() => parseDaemonJson('[1]', 'f')).toThrow(/must hold a JSON object/);
    expect(parseDaemonJson(undefined, 'f')).toEqual({});
    expect(parseDaemonJson('  \n', 'f')).toEqual({});
  });
});
