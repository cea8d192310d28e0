/** One terminal: xterm.js with the fit add-on, over a WebSocket to a PTY shell on the node. */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef } from 'react';

export function TerminalView({ host, active }: { host: string; active: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const fitRef = useRef<FitAddon | null>(null);
  useEffect(() => {
    const term = new Terminal({ fontSize: 13, cursorBlink: true, convertEol: false });
    const fit = new FitAddon();
    fitRef.current = fit;
    term.loadAddon(fit);
    term.open(box.current!);
    fit.fit();
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(
      `${proto}://${location.host}/api/terminal?host=${encodeURIComponent(host)}&cols=${term.cols}&rows=${term.rows}`,
    );
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => term.write(new Uint8Array(e.data as ArrayBuffer));
    ws.onclose = (e) => term.write(`\r\n[connection closed${e.reason ? `: ${e.reason}` : ''}]\r\n`);
    const input = term.onData((d) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ t: 'in', d })));
    const resize = term.onResize(
      ({ cols, rows }) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ t: 'resize', cols, rows })),
    );
    const onWindow = () => fit.fit();
    window.addEventListener('resize', onWindow);
    return () => {
      window.removeEventListener('resize', onWindow);
      input.dispose();
      resize.dispose();
      ws.close();
      term.dispose();
    };
  }, [host]);
  useEffect(() => {
    if (active) fitRef.current?.fit();
  }, [active]);
  return (
    <div
      className="terminal"
      ref={box}
      data-testid={`terminal-${host}`}
      style={{ display: active ? 'block' : 'none' }}
    />
  );
}
