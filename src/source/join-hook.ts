/**
 * A "before rejoin" callback for kafkajs, which has no revocation callback.
 *
 * kafkajs uses the eager rebalance protocol: on a rebalance every member sends JoinGroup again,
 * and the coordinator hands partitions to their new owners only after all members have rejoined
 * (or been expelled after the rebalance timeout). So a callback that runs, and is awaited, right
 * before this member's JoinGroup request is exactly Java's `onPartitionsRevoked` for the eager
 * protocol: while it runs, nobody else can own our partitions yet.
 *
 * kafkajs emits `REBALANCING` synchronously and does not await listeners, so events cannot give
 * that. What it does give: every partition assigner factory is called with the consumer's own
 * `cluster`, and the consumer group's join always starts with `cluster.findGroupCoordinator()`
 * and then calls `joinGroup` on the returned broker. We wrap those two calls on this consumer's
 * private cluster object only. kafkajs 2.2.4 is the last release and is pinned, so the internals
 * this relies on do not move; the consumer still detects revocations from GROUP_JOIN if the hook
 * ever fails to fire (see consumer.ts), so this is an improvement, never the only safety net.
 */
import type { PartitionAssigner } from 'kafkajs';

const HOOKED = Symbol.for('floe.source.joinHook');

type Hookable = Record<PropertyKey, unknown>;
type AsyncFn = (...args: unknown[]) => Promise<unknown>;

/** Wraps `assigner` so that `beforeJoin()` is awaited before every JoinGroup this consumer sends. */
export function withJoinHook(assigner: PartitionAssigner, beforeJoin: () => Promise<void>): PartitionAssigner {
  return (config) => {
    hookCluster(config.cluster as unknown as Hookable, beforeJoin);
    return assigner(config);
  };
}

function hookCluster(cluster: Hookable, beforeJoin: () => Promise<void>): void {
  // Several assigners share one cluster: wrap once.
  if (cluster[HOOKED] || typeof cluster.findGroupCoordinator !== 'function') return;
  const find = (cluster.findGroupCoordinator as AsyncFn).bind(cluster);
  cluster.findGroupCoordinator = async (...args: unknown[]) => {
    const broker = (await find(...args)) as Hookable;
    hookBroker(broker, beforeJoin);
    return broker;
  };
  cluster[HOOKED] = true;
}

function hookBroker(broker: Hookable, beforeJoin: () => Promise<void>): void {
  // The coordinator can be a new Broker object after a reconnect: each gets wrapped once.
  if (!broker || broker[HOOKED] || typeof broker.joinGroup !== 'function') return;
  const join = (broker.joinGroup as AsyncFn).bind(broker);
  broker.joinGroup = async (...args: unknown[]) => {
    await beforeJoin();
    return join(...args);
  };
  broker[HOOKED] = true;
}
