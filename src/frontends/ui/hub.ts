/**
 * Server-Sent Events to every open page: the observer's snapshots, questions from the web asker,
 * action progress. A late page gets the latest snapshot at once.
 */
import type { ServerResponse } from 'node:http';

export interface UiMessage {
  type: 'snapshot' | 'question' | 'answered' | 'log' | 'observer-error';
  data: unknown;
}

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  /** The latest snapshot and the latest observer error, for pages that open later. */
  private last: UiMessage | undefined;
  private lastError: UiMessage | undefined;

  get size(): number {
    return this.clients.size;
  }

  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': fleet ui\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    if (this.last) res.write(frame(this.last));
    if (this.lastError) res.write(frame(this.lastError));
  }

  send(message: UiMessage): void {
    if (message.type === 'snapshot') {
      this.last = message;
      this.lastError = undefined;
    }
    if (message.type === 'observer-error') this.lastError = message;
    const text = frame(message);
    for (const res of this.clients) res.write(text);
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function frame(m: UiMessage): string {
  return `event: ${m.type}\ndata: ${JSON.stringify(m.data)}\n\n`;
}
