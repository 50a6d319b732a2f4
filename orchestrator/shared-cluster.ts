import type { TransportAdmin } from '../bus/index.ts';
import { ConfigError } from '../lib/errors.ts';

/** The hub's router groups (config.ts `defaultRouterGroup`): `eai-orchestrator`, `eai-orchestrator.<database>`. */
const ROUTER_GROUP = /^eai-orchestrator(\..+)?$/;

/** Group states with members (Kafka's `Empty` and `Dead` have none). */
const LIVE = new Set(['Stable', 'PreparingRebalance', 'CompletingRebalance']);

/** Another deployment's router group live on the cluster, and the topics of this one it reads. */
export interface OtherDeployment {
  group: string;
  /** This deployment's topics its members subscribe to (all of them when its subscription cannot be read). */
  topics: string[];
}

/**
 * The router groups of other orchestrator deployments (another orchestrator database) live on this Kafka cluster now
 * and reading any of `topics` (this deployment's): the hub's topic names are fixed (bus/topics.ts, commands.ts
 * `COMMAND_TOPICS`), so such a deployment reads the same canonical events (and runs its own instances for every
 * order) and its sinks apply this one's commands, as this one's apply its. Only groups named as the hub names them;
 * one list of the groups and one describe of those named so. A group on other topics (a test's own) is left out.
 */
export async function otherDeploymentsOnCluster(
  admin: TransportAdmin,
  ownGroup: string,
  topics: string[],
): Promise<OtherDeployment[]> {
  const candidates = (await admin.listGroups()).filter((g) => g !== ownGroup && ROUTER_GROUP.test(g)).sort();
  if (candidates.length === 0) return [];
  const ours = new Set(topics);
  const others: OtherDeployment[] = [];
  for (const group of await admin.describeGroups(candidates)) {
    if (!LIVE.has(group.state)) continue;
    // A member whose subscription could not be read may read ours: counted, as if it did.
    const shared = group.topics.length === 0 ? [...topics] : group.topics.filter((t) => ours.has(t));
    if (shared.length > 0) others.push({ group: group.groupId, topics: shared });
  }
  return others;
}

/** The orchestrator database a router group is the default of (config.ts `defaultRouterGroup`). */
function databaseOf(group: string): string {
  return group === 'eai-orchestrator' ? 'eai_orchestrator' : group.slice('eai-orchestrator.'.length);
}

/**
 * Refuses to start this deployment (`ownGroup`) while another one routes on its Kafka cluster
 * (`otherDeploymentsOnCluster`): one line naming the other's router group and what mixes, and what to change.
 */
export async function refuseSharedCluster(
  admin: TransportAdmin,
  ownGroup: string,
  topics: string[],
): Promise<void> {
  const others = await otherDeploymentsOnCluster(admin, ownGroup, topics);
  if (others.length > 0) throw new SharedKafkaCluster(ownGroup, others);
}

/** Another orchestrator deployment routes on this Kafka cluster: this one does not start (`refuseSharedCluster`). */
export class SharedKafkaCluster extends ConfigError {
  readonly others: OtherDeployment[];
  constructor(ownGroup: string, others: OtherDeployment[]) {
    const first = others[0]!;
    super(
      `another orchestrator deployment routes on this Kafka cluster (router group ${others.map((o) => o.group).join(', ')}, ` +
        `reading ${first.topics.slice(0, 3).join(', ')}${first.topics.length > 3 ? ', …' : ''}; this one: ${ownGroup}), so this one does not start: ` +
        "the topic names are fixed, so both would start instances for the same orders and each deployment's sinks would apply " +
        "the other's commands (despatches, ERP and CRM status). Give this deployment its own Kafka cluster, or run it as a " +
        `process of that deployment (EAI_ORCHESTRATOR_DATABASE=${databaseOf(first.group)}); a deployment stopped a moment ago ` +
        'leaves its group within its session timeout (10 s): start again then (docs/orchestrator.md, "One deployment per Kafka cluster")',
    );
    this.others = others;
  }
}
