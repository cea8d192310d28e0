/** Task requests: GET /tasks (with filters: service, node, desired-state, label). */
import type { EngineApi } from './engine-api.js';
import { asList, filterQuery, obj, str } from './parse.js';
import type { SwarmFilters, SwarmTask, TaskState } from './types.js';

export function parseTask(raw: unknown): SwarmTask {
  const task = obj(raw);
  const status = obj(task.Status);
  const container = obj(obj(obj(task.Spec).ContainerSpec));
  const containerId = str(obj(status.ContainerStatus).ContainerID);
  return {
    id: str(task.ID),
    serviceId: str(task.ServiceID),
    slot: typeof task.Slot === 'number' && task.Slot > 0 ? task.Slot : undefined,
    nodeId: str(task.NodeID),
    desiredState: (str(task.DesiredState) || 'running') as TaskState,
    state: (str(status.State) || 'new') as TaskState,
    message: str(status.Message),
    err: str(status.Err),
    timestamp: str(status.Timestamp),
    createdAt: str(task.CreatedAt),
    image: str(container.Image),
    containerId: containerId || undefined,
  };
}

export async function listTasks(
  api: EngineApi,
  filters?: SwarmFilters,
  signal?: AbortSignal,
): Promise<SwarmTask[]> {
  return asList(await api.get(`/tasks${filterQuery(filters)}`, signal), api.host, 'GET /tasks').map(
    parseTask,
  );
}
