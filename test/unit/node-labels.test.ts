import { describe, expect, it } from 'vitest';
import { userLabelChange } from '../../src/core/node-labels.js';

const current = { arch: 'arm64', gpu: 'true', 'fleet.managed-labels': 'arch,gpu', rack: 'a' };

describe('userLabelChange', () => {
  it('adds and removes labels fleet up does not manage, keeping the managed ones', () => {
    const { labels } = userLabelChange('agx-01', current, ['zone=lab', 'flag'], ['rack']);
    expect(labels).toEqual({
      arch: 'arm64',
      gpu: 'true',
      'fleet.managed-labels': 'arch,gpu',
      zone: 'lab',
      flag: '',
    });
  });

  it('refuses managed keys, naming them and the node', () => {
    expect(() => userLabelChange('agx-01', current, ['gpu=false'], [])).toThrow(
      /agx-01: label gpu is managed by fleet up/,
    );
    expect(() => userLabelChange('agx-01', current, [], ['arch', 'fleet.managed-labels'])).toThrow(
      /labels arch, fleet.managed-labels are managed/,
    );
  });
});
