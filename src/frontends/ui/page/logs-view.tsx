/** A service's log lines as they arrive (GET /api/logs, Server-Sent Events), newest at the bottom. */
import { useEffect, useState } from 'react';

export function LogsView({ service, onClose }: { service: string; onClose: () => void }) {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    setLines([]);
    const source = new EventSource(`/api/logs?service=${encodeURIComponent(service)}`);
    source.addEventListener('line', (e) => {
      const { task, line } = JSON.parse((e as MessageEvent<string>).data) as { task: string; line: string };
      setLines((l) => [...l, `${task}: ${line}`].slice(-500));
    });
    source.addEventListener('failed', (e) => {
      setLines((l) => [
        ...l,
        `fleet: ${(JSON.parse((e as MessageEvent<string>).data) as { message: string }).message}`,
      ]);
      source.close();
    });
    return () => source.close();
  }, [service]);
  return (
    <div className="logs">
      <div className="logs-head">
        logs of {service} <button onClick={onClose}>close</button>
      </div>
      <pre>{lines.join('\n')}</pre>
    </div>
  );
}
