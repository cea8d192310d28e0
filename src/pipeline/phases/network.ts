/**
 * Phase 7: the overlay network (nodes.yml defaults.swarm.network, default fleet-network,
 * 10.10.0.0/16, attachable). Present with the same settings: nothing to do. Present with other
 * settings: a clear error — replacing a network would cut off whatever runs on it.
 */
import { FleetError } from '../../core/errors.js';
import type { Phase } from '../phase.js';
import { leaderRecord, type SwarmContext } from '../../swarm/context.js';

export const network: Phase<SwarmContext> = {
  title: 'network',
  async run(ctx) {
    const want = ctx.options.network;
    const leader = leaderRecord(ctx);
    if (!leader?.engine) throw new FleetError('quorum', 'no manager of this swarm answers');
    const have = ctx.cluster?.planned ? undefined : await leader.engine.inspectNetwork(want.name, ctx.signal);
    if (have) {
      const diffs: string[] = [];
      if (have.driver !== want.driver) diffs.push(`driver ${have.driver} (want ${want.driver})`);
      if (want.subnet && have.subnet !== want.subnet)
        diffs.push(`subnet ${have.subnet ?? 'none'} (want ${want.subnet})`);
      if (have.attachable !== want.attachable)
        diffs.push(`attachable ${have.attachable} (want ${want.attachable})`);
      if (diffs.length > 0) {
        throw new FleetError(
          'docker',
          `network ${want.name} exists with other settings: ${diffs.join(', ')}`,
          {
            host: leader.target.id,
            hint: `remove it (docker network rm ${want.name}) or change defaults.swarm.network in nodes.yml`,
          },
        );
      }
      return;
    }
    const sentence = `create overlay network ${want.name} (${want.subnet ?? 'auto subnet'}${want.attachable ? ', attachable' : ''})`;
    await ctx.change(leader.target.id, sentence, () => leader.engine!.createNetwork(want, ctx.signal));
  },
};
