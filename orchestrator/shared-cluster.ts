import type { TransportAdmin } from '../bus/index.ts';

/** The hub's router groups (config.ts `defaultRouterGroup`): `eai-orchestrator`, `eai-orchestrator.<database>`. */
const ROUTER_GROUP = /^eai-orchestrator(\..+)?$/;

/** Group states with members (Kafka's `Empty` and `Dead` have none). */
const LIVE = new Set(['Stable', 'PreparingRebalance', 'CompletingRebalance']);

/**
 * The router groups of other orchestrator deployments (another orchestrator database) live on this Kafka cluster now:
 * the hub's topic names are fixed (bus/topics.ts, commands.ts `COMMAND_TOPICS`), so such a deployment reads the same
 * canonical events (and runs its own instances for every order) and its sinks apply this one's commands, as this
 * one's apply its. Only groups named as the hub names them; a group that cannot be described is left out.
 */
export async function otherDeploymentsOnCluster(admin: TransportAdmin, ownGroup: string): Promise<string[]> {
  const candidates = (await admin.listGroups()).filter((g) => g !== ownGroup && ROUTER_GROUP.test(g)).sort();
  const live: string[] = [];
  for (const group of candidates) {
    const state = await admin
      .describeGroup(group)
      .then((g) => g.state)
      .catch(() => 'Unknown');
    if (LIVE.has(state)) live.push(group);
  }
  return live;
}

/** The start warning for `otherDeploymentsOnCluster`'s answer: what mixes and what to do. */
export function sharedClusterWarning(ownGroup: string, others: string[]): string {
  return (
    `another orchestrator deployment routes on this Kafka cluster (router group ${others.join(', ')}; this one: ${ownGroup}): ` +
    'the topic names are fixed, so both read every canonical event and start instances for the same orders, and ' +
    "each deployment's sinks apply the other's commands (despatches, ERP and CRM status). Give each deployment its own " +
    'Kafka cluster, or run the processes as one deployment on one orchestrator database (docs/orchestrator.md, "One deployment per Kafka cluster")'
  );
}
