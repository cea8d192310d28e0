/** Services: running/desired, scale, update image, remove, create from a form, stack upload, logs. */
import { useState } from 'react';
import { LogsView } from './logs-view.js';
import type { Snapshot } from './types.js';

export type ServiceRequest =
  | { action: 'scale'; service: string; replicas: number }
  | { action: 'update-image'; service: string; image: string }
  | { action: 'service-rm'; service: string }
  | { action: 'service-create'; name: string; image: string; replicas: number }
  | { action: 'stack-deploy'; name: string; compose: string };

export function ServicesPanel({
  snapshot,
  run,
}: {
  snapshot: Snapshot;
  run: (r: ServiceRequest, title: string) => void;
}) {
  const [logs, setLogs] = useState<string | null>(null);
  const [create, setCreate] = useState({ name: '', image: '', replicas: 1 });
  const [stack, setStack] = useState({ name: '', compose: '' });
  return (
    <div className="panel services" data-testid="services">
      <table>
        <thead>
          <tr>
            <th>service</th>
            <th>replicas</th>
            <th>image</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {snapshot.status.services.map((s) => (
            <tr key={s.id} data-testid={`service-${s.name}`}>
              <td>{s.name}</td>
              <td
                className={s.desired !== null && s.running < s.desired ? 'error' : ''}
                data-testid={`replicas-${s.name}`}
              >
                {s.running}/{s.desired ?? s.mode}
              </td>
              <td className="muted">{s.image.split('@')[0]}</td>
              <td className="row-actions">
                {s.mode === 'replicated' ? (
                  <form
                    onSubmit={(e) => {
                      e.preventDefault();
                      const replicas = Number(new FormData(e.currentTarget).get('replicas'));
                      run({ action: 'scale', service: s.name, replicas }, `Scale ${s.name} to ${replicas}?`);
                    }}
                  >
                    <input
                      name="replicas"
                      type="number"
                      min={0}
                      defaultValue={s.desired ?? 0}
                      data-testid={`scale-input-${s.name}`}
                    />
                    <button type="submit" data-testid={`scale-${s.name}`}>
                      Scale
                    </button>
                  </form>
                ) : null}
                <button
                  onClick={() => {
                    const image = prompt(`New image for ${s.name}`, s.image.split('@')[0]);
                    if (image)
                      run({ action: 'update-image', service: s.name, image }, `Roll ${s.name} to ${image}?`);
                  }}
                >
                  Update image
                </button>
                <button onClick={() => setLogs(s.name)}>Logs</button>
                <button
                  className="danger"
                  onClick={() => run({ action: 'service-rm', service: s.name }, `Remove service ${s.name}?`)}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {logs ? <LogsView service={logs} onClose={() => setLogs(null)} /> : null}
      <h3>Create a service</h3>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          run({ action: 'service-create', ...create }, `Create service ${create.name} from ${create.image}?`);
        }}
      >
        <input
          placeholder="name"
          value={create.name}
          onChange={(e) => setCreate({ ...create, name: e.target.value })}
          required
        />
        <input
          placeholder="image"
          value={create.image}
          onChange={(e) => setCreate({ ...create, image: e.target.value })}
          required
        />
        <input
          type="number"
          min={0}
          value={create.replicas}
          onChange={(e) => setCreate({ ...create, replicas: Number(e.target.value) })}
        />
        <button type="submit">Create</button>
      </form>
      <h3>Deploy a stack</h3>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          run({ action: 'stack-deploy', ...stack }, `Deploy stack ${stack.name}?`);
        }}
      >
        <input
          placeholder="stack name"
          value={stack.name}
          onChange={(e) => setStack({ ...stack, name: e.target.value })}
          required
        />
        <input
          type="file"
          accept=".yml,.yaml"
          onChange={(e) =>
            void e.target.files?.[0]?.text().then((compose) => setStack((s) => ({ ...s, compose })))
          }
          required
        />
        <button type="submit" disabled={!stack.compose}>
          Deploy
        </button>
      </form>
    </div>
  );
}
