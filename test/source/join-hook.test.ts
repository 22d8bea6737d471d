import { describe, expect, it } from 'vitest';
import type { PartitionAssigner } from 'kafkajs';
import { withJoinHook } from '../../src/source/join-hook.js';

/** A stand-in for kafkajs' cluster and coordinator broker, recording the call order. */
function fakeCluster(calls: string[]) {
  const broker = {
    joinGroup: async (req: { memberId: string }) => {
      calls.push(`join ${req.memberId}`);
      return { memberId: 'm1' };
    },
  };
  return {
    broker,
    cluster: {
      findGroupCoordinator: async () => {
        calls.push('find');
        return broker;
      },
    },
  };
}

const baseAssigner: PartitionAssigner = () => ({
  name: 'base',
  version: 0,
  assign: async () => [],
  protocol: () => ({ name: 'base', metadata: Buffer.alloc(0) }),
});

describe('withJoinHook', () => {
  it('awaits the hook before every JoinGroup, and only JoinGroup', async () => {
    const calls: string[] = [];
    const { cluster } = fakeCluster(calls);
    const hook = async () => {
      calls.push('hook start');
      await new Promise((r) => setTimeout(r, 20));
      calls.push('hook end');
    };
    const assigner = withJoinHook(baseAssigner, hook)({ cluster: cluster as never, groupId: 'g', logger: {} as never });
    expect(assigner.name).toBe('base');

    const coordinator = (await cluster.findGroupCoordinator()) as unknown as { joinGroup(r: { memberId: string }): Promise<unknown> };
    await coordinator.joinGroup({ memberId: '' });
    await coordinator.joinGroup({ memberId: 'm1' });
    expect(calls).toEqual(['find', 'hook start', 'hook end', 'join ', 'hook start', 'hook end', 'join m1']);
  });

  it('wraps a shared cluster and each broker once', async () => {
    const calls: string[] = [];
    const { cluster } = fakeCluster(calls);
    let hooks = 0;
    const wrap = withJoinHook(baseAssigner, async () => void hooks++);
    wrap({ cluster: cluster as never, groupId: 'g', logger: {} as never });
    wrap({ cluster: cluster as never, groupId: 'g', logger: {} as never }); // second assigner
    const b1 = (await cluster.findGroupCoordinator()) as unknown as { joinGroup(r: { memberId: string }): Promise<unknown> };
    const b2 = (await cluster.findGroupCoordinator()) as unknown as { joinGroup(r: { memberId: string }): Promise<unknown> };
    expect(b1).toBe(b2);
    await b1.joinGroup({ memberId: '' });
    expect(hooks).toBe(1);
  });
});
