/**
 * Docker's multiplexed log stream (non-TTY containers): frames of an 8-byte header — stream type
 * (1 stdout, 2 stderr), three zero bytes, payload length big-endian — then the payload. Frames do
 * not line up with chunks of the transport, and a line may span frames, so each stream keeps its own
 * LineBuffer. With details=true every line starts with the task's labels
 * ("com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,com.docker.swarm.task.id=… text").
 */
import { LineBuffer } from '../../core/line-buffer.js';
import type { LogFrame } from './types.js';

const HEADER = 8;

/** Splits raw bytes into frames; call push() per chunk, it returns the whole frames so far. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { stream: 'stdout' | 'stderr'; payload: Buffer }[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: { stream: 'stdout' | 'stderr'; payload: Buffer }[] = [];
    while (this.buffer.length >= HEADER) {
      const kind = this.buffer[0];
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < HEADER + size) break;
      const payload = this.buffer.subarray(HEADER, HEADER + size);
      // 0 (stdin) never comes from logs; anything but 2 is shown as stdout.
      out.push({ stream: kind === 2 ? 'stderr' : 'stdout', payload });
      this.buffer = this.buffer.subarray(HEADER + size);
    }
    return out;
  }
}

const DETAIL_KEYS: Record<string, keyof LogFrame> = {
  'com.docker.swarm.node.id': 'nodeId',
  'com.docker.swarm.service.id': 'serviceId',
  'com.docker.swarm.task.id': 'taskId',
};

/** Splits the details prefix (details=true) from the text of one line. */
export function parseDetails(raw: string, stream: 'stdout' | 'stderr'): LogFrame {
  const space = raw.indexOf(' ');
  const head = space === -1 ? raw : raw.slice(0, space);
  if (!head.includes('com.docker.swarm.')) return { stream, line: raw };
  const frame: LogFrame = { stream, line: space === -1 ? '' : raw.slice(space + 1) };
  for (const pair of head.split(',')) {
    const eq = pair.indexOf('=');
    const key = DETAIL_KEYS[pair.slice(0, eq)];
    if (eq > 0 && key) (frame as unknown as Record<string, string>)[key] = pair.slice(eq + 1);
  }
  return frame;
}

/** Bytes in, LogFrames out: frames → per-stream lines → details parsed. */
export class LogDemuxer {
  private readonly frames = new FrameDecoder();
  private readonly lines: Record<'stdout' | 'stderr', LineBuffer>;

  constructor(onFrame: (frame: LogFrame) => void) {
    this.lines = {
      stdout: new LineBuffer((l) => onFrame(parseDetails(l, 'stdout'))),
      stderr: new LineBuffer((l) => onFrame(parseDetails(l, 'stderr'))),
    };
  }

  push(chunk: Buffer): void {
    for (const f of this.frames.push(chunk)) this.lines[f.stream].push(f.payload);
  }

  end(): void {
    this.lines.stdout.flush();
    this.lines.stderr.flush();
  }
}
