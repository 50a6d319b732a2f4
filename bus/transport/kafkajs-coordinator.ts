import type { Kafka } from 'kafkajs';

/** kafkajs's coordinator type of a transaction coordinator (`protocol/coordinatorTypes.js`). */
const TRANSACTION_COORDINATOR = 1;
const CREATE_CLUSTER = 'private:Kafka:createCluster';

interface BrokerLike {
  nodeId: number;
}

/**
 * A transaction begun right after the previous one committed is answered CONCURRENT_TRANSACTIONS (code 51) until the
 * coordinator has written the previous one's markers, a few ms. Through kafkajs's producer retry each such answer
 * cost a metadata refresh, a new coordinator lookup and a backoff of 5 ms and more (0.6 of each back-to-back
 * transaction of a busy webhook source). The coordinator kept here asks again itself, after these pauses (ms), with
 * nothing else: the coordinator stays the same and the partitions asked for are the same. Past them, kafkajs's retry
 * takes over as before.
 */
const CONCURRENT_TRANSACTIONS_PAUSES_MS = [2, 2, 3, 5, 8, 13, 20];

const isConcurrentTransactions = (error: unknown) =>
  (error as { type?: unknown } | null)?.type === 'CONCURRENT_TRANSACTIONS';

interface ClusterLike {
  findGroupCoordinator(args: { groupId: string; coordinatorType?: number }): Promise<BrokerLike>;
  findBroker(args: { nodeId: number }): Promise<BrokerLike>;
}

type CreateCluster = (options: unknown) => ClusterLike;

/**
 * kafkajs asks the cluster which broker coordinates a transactional id (FindCoordinator) before every
 * AddPartitionsToTxn and every EndTxn, so one transaction costs five round trips where the Java producer needs three:
 * under load the two lookups were a third of a webhook batch's transaction time (mean 7 ms each, p99 140 ms). This
 * keeps each transactional id's coordinator, as the Java producer does, and looks it up again after any request to it
 * failed (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a dropped connection…): kafkajs's retries then reach the new one.
 *
 * Installed on one Kafka client where the transport makes it, not at import. Returns false, changing nothing, when
 * kafkajs's internals are not what this expects (kafkajs is pinned to 2.2.x, in maintenance mode).
 */
export function cacheTransactionCoordinators(kafka: Kafka): boolean {
  const client = kafka as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(client).find((s) => s.description === CREATE_CLUSTER);
  const create = key === undefined ? undefined : client[key];
  if (key === undefined || typeof create !== 'function') return false;
  client[key] = (options: unknown) => {
    const cluster = (create as CreateCluster)(options);
    if (typeof cluster.findGroupCoordinator === 'function' && typeof cluster.findBroker === 'function')
      keepCoordinators(cluster);
    return cluster;
  };
  return true;
}

function keepCoordinators(cluster: ClusterLike): void {
  const lookUp = cluster.findGroupCoordinator.bind(cluster);
  /** Transactional id → the coordinator's node id, once found. */
  const known = new Map<string, number>();
  cluster.findGroupCoordinator = async (args) => {
    if (args.coordinatorType !== TRANSACTION_COORDINATOR) return lookUp(args);
    const id = args.groupId;
    let nodeId = known.get(id);
    let broker: BrokerLike;
    if (nodeId === undefined) {
      // kafkajs's own lookup, with its retries and metadata refresh.
      broker = await lookUp(args);
      nodeId = broker.nodeId;
      known.set(id, nodeId);
    } else {
      try {
        // From the broker pool, connected if it was not: no request unless a connection has to be made.
        broker = await cluster.findBroker({ nodeId });
      } catch (error) {
        known.delete(id);
        throw error;
      }
    }
    return forgetOnFailure(broker, () => {
      if (known.get(id) === nodeId) known.delete(id);
    });
  };
}

/**
 * The broker as its caller sees it: any request to it that fails makes the next lookup ask the cluster again, except
 * CONCURRENT_TRANSACTIONS, which AddPartitionsToTxn asks again here (see CONCURRENT_TRANSACTIONS_PAUSES_MS).
 */
function forgetOnFailure(broker: BrokerLike, forget: () => void): BrokerLike {
  return new Proxy(broker, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const call = (args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
      const failed = (error: unknown) => {
        if (!isConcurrentTransactions(error)) forget();
        throw error;
      };
      if (property === 'addPartitionsToTxn')
        return (...args: unknown[]) => askAgainWhileConcurrent(() => call(args)).catch(failed);
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = call(args);
        } catch (error) {
          return failed(error);
        }
        if (result instanceof Promise) return result.catch(failed);
        return result;
      };
    },
  });
}

async function askAgainWhileConcurrent(request: () => unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const pause = CONCURRENT_TRANSACTIONS_PAUSES_MS[attempt];
      if (!isConcurrentTransactions(error) || pause === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
