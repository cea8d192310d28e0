import { describe, expect, it } from 'vitest';
import { FrameDecoder, LogDemuxer, parseDetails } from '../../src/adapters/docker/log-stream.js';
import type { LogFrame } from '../../src/adapters/docker/types.js';

function frame(kind: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('docker log stream demultiplexing', () => {
  it('splits frames that arrive cut at any byte', () => {
    const bytes = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err one\n'), frame(1, 'out two\n')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(got.map((f) => `${f.stream}:${f.payload.toString()}`)).toEqual([
        'stdout:out one\n',
        'stderr:err one\n',
        'stdout:out two\n',
      ]);
    }
  });

  it('keeps stdout and stderr lines apart when a line spans frames', () => {
    const frames: LogFrame[] = [];
    const demux = new LogDemuxer((f) => frames.push(f));
    demux.push(frame(1, 'hel'));
    demux.push(frame(2, 'oops\n'));
    demux.push(frame(1, 'lo\nlast'));
    demux.end();
    expect(frames.map((f) => `${f.stream}:${f.line}`)).toEqual([
      'stderr:oops',
      'stdout:hello',
      'stdout:last',
    ]);
  });

  it('reads the task, node and service ids of details=true', () => {
    const f = parseDetails(
      'com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello world',
      'stdout',
    );
    expect(f).toEqual({ stream: 'stdout', line: 'hello world', nodeId: 'n1', serviceId: 's1', taskId: 't1' });
    expect(parseDetails('plain line', 'stderr')).toEqual({ stream: 'stderr', line: 'plain line' });
  });
});
