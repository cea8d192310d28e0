/**
 * After authentication OpenSSH's sshd announces every host key it has (`hostkeys-00@openssh.com`,
 * for the client's UpdateHostKeys), and ssh2 answers each announcement by asking the host to prove
 * them (`hostkeys-prove-00@openssh.com`): the host signs with each of its keys (RSA-3072 among them)
 * and ssh2 parses every key and verifies every signature. fleet never uses the answer (known_hosts
 * only learns the key of the handshake, under accept-new), so the announcement is dropped, as
 * OpenSSH's client does without UpdateHostKeys: per host one request, three signatures on the host
 * and three key parses and verifications here fewer (`fleet status` on 16 hosts pays it 16 times in a
 * cold process).
 */
import type { Client } from 'ssh2';

type GlobalRequestHandler = (proto: unknown, name: string, wantReply: boolean, data: unknown) => void;

export function ignoreHostKeyNotices(client: Client): void {
  // ssh2 keeps its message handlers on the Protocol it creates synchronously in connect().
  const proto = (client as unknown as { _protocol?: { _handlers?: Record<string, unknown> } })._protocol;
  const handlers = proto?._handlers;
  const original = handlers?.GLOBAL_REQUEST;
  if (!handlers || typeof original !== 'function') return;
  const next = original as GlobalRequestHandler;
  handlers.GLOBAL_REQUEST = ((p, name, wantReply, data) => {
    if (name !== 'hostkeys-00@openssh.com') return next(p, name, wantReply, data);
    // The notice is sent without want-reply; answer one that asks, as ssh2 itself would.
    if (wantReply) (p as { requestSuccess(): void }).requestSuccess();
  }) satisfies GlobalRequestHandler;
}
