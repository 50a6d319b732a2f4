import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createTransport } from '../../bus/index.ts';
import { builtinPlugins, loadDeployment, sinkGroupId } from '../../connectors/index.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { runClosers } from '../../lib/shutdown.ts';
import { parseMdmConfig } from '../../masterdata/index.ts';
import { hashToken, newToken } from '../../ops/api/index.ts';
import { startHub } from '../../ops/hub.ts';
import { DEFAULT_OPS_PORT } from '../../ops/instance-env.ts';
import { listInstances, type Timers } from '../../orchestrator/index.ts';
import { canonicalSchemas } from '../../schemas/catalog.ts';
import { type RunningSimulator, startSimulator } from '../../simulators/index.ts';
import { logisticsSimulator } from '../../simulators/logistics/simulator.ts';
import { sapSimulator } from '../../simulators/sap/simulator.ts';
import { projectRoot, stackHome } from '../../stack/paths.ts';
import { stackUp } from '../../stack/stack.ts';
import { dropDatabase, dropSchema } from '../../store/database.ts';
import { checkHubPort, wholeNumber } from '../options.ts';
import { reasonsByCount, troubleText } from './connectors.ts';

/** The shipped deployment: one file per connector, `${env:EAI_DEMO_…}` references set below. */
const deployDir = join(projectRoot, 'examples', 'demo', 'deploy');
const EPCIS_CONNECTOR = 'logistics-epcis';
const SALESFORCE_CONNECTOR = 'salesforce-accounts';
const SALESFORCE_CASES_CONNECTOR = 'salesforce-cases';
const HUBSPOT_CONNECTOR = 'hubspot-contacts';
const ODOO_SOURCE = 'odoo-orders';
/**
 * The customers the CRM and ERP simulators hold when the demo starts: the generator's overlapping customers (the same
 * person or company in several systems, with typos, old addresses and missing fields), the same every run. The
 * Salesforce and HubSpot sources read them by their initial snapshot, Odoo's by its first poll, and master data
 * matches them into golden records.
 */
export const DEMO_CUSTOMERS = { seed: 20261202, entities: 40 } as const;
/** The Odoo simulator's integration user (its uid is write_uid on the hub's writes). */
const ODOO_INTEGRATION_UID = 6;
/** The Odoo simulator's integration user's API key (a fixed, public test value). */
const ODOO_API_KEY = 'eai-api-key';

/**
 * The workflows' timers at demo scale (the defaults are hours to days): the logistics simulator ships about 5 s after a
 * despatch request and delivers 10 s later, so an order runs through in under half a minute; an order on credit hold
 * waits 10 minutes for `eai workflows signal <id> approve-credit`, then is cancelled (compensated).
 */
export const DEMO_TIMERS: Partial<Timers> = {
  creditApprovalTimeoutMs: 10 * 60_000,
  asnEscalationMs: 60_000,
  asnTimeoutMs: 5 * 60_000,
  deliveryEscalationMs: 2 * 60_000,
  deliveryTimeoutMs: 10 * 60_000,
  returnReceiptEscalationMs: 2 * 60_000,
  returnReceiptTimeoutMs: 10 * 60_000,
};
/**
 * Credit room the demo gives each SAP customer above its exposure. The generated credit data puts most customers at
 * or over their limit (to exercise the ERP's credit check), and every order the SAP simulator drops adds to its
 * customer's open orders; with this room, only customers blocked in credit management or with items long overdue
 * go on credit hold, so the demo shows both paths.
 */
const DEMO_CREDIT_ROOM = 5_000_000;

/** Raises each SAP customer's credit limit to its exposure plus DEMO_CREDIT_ROOM, through the ERP's own API. */
async function giveCreditRoom(sapUrl: string): Promise<void> {
  const answer = await fetch(`${sapUrl}/sap/customers`);
  if (!answer.ok) throw new Error(`${sapUrl}/sap/customers: HTTP ${answer.status}`);
  const { d } = (await answer.json()) as { d: { results: Array<Record<string, unknown>> } };
  for (const customer of d.results) {
    const { KUNNR, OBLIG, AEDAT: _changed, ...fields } = customer;
    const put = await fetch(`${sapUrl}/sap/customers/${KUNNR}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...fields, KLIMK: Number(OBLIG) + DEMO_CREDIT_ROOM }),
    });
    if (!put.ok)
      throw new Error(`PUT ${sapUrl}/sap/customers/${KUNNR}: HTTP ${put.status}: ${await put.text()}`);
  }
}

/**
 * The demo's master data schema on the stack's PostgreSQL (dropped at each start: see below). `eai mdm` reads it with
 * `--schema`, or EAI_MDM_SCHEMA as the banner exports it.
 */
export const DEMO_MDM_SCHEMA = 'mdm_demo';
/** The demo's workflow database on the stack's PostgreSQL (dropped at each start: see below). */
const DEMO_WORKFLOW_DATABASE = 'eai_demo_orchestrator';
/** The demo hub's connect group: its connectors' Kafka identities are its own (`sinkGroupId`), not `eai up`'s. */
export const DEMO_CONNECT_GROUP = 'eai-demo';
/** The demo's master data consumer groups: the matcher's, then the customer activity's. */
export const DEMO_MASTERDATA_GROUPS = ['eai-demo-masterdata', 'eai-demo-customer-activity'];
/** The newest instances the refresh counts by type and status. */
const DEMO_WORKFLOW_WINDOW = 200;

interface DemoOptions {
  port: number;
  interval: number;
  json?: boolean;
}

type Admin = ReturnType<ReturnType<typeof createTransport>['admin']>;

/**
 * The demo's own Kafka admin (its sinks' start, the refresh's topic counts), with the client's retries: a busy broker's
 * passing answer (NOT_LEADER_FOR_PARTITION, a connection refused while it restarts) once ended the demo at start with
 * that bare message, where a probe's client (`quiet`, no retries) had been used.
 */
export function demoAdmin(brokers: string): Admin {
  return createTransport({ brokers: brokers.split(','), clientId: 'eai-demo' }).admin();
}

/**
 * The demo's log level: warnings and errors, so that the table every refresh prints is not lost among the info lines
 * of every order's steps (several a second); `EAI_LOG_LEVEL=info` shows them all.
 */
export function demoLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return env.EAI_LOG_LEVEL ?? 'warn';
}

/**
 * One of the run's folders (SAP's drop and inbound folders, the logistics outbound folder, the seed), emptied. The
 * simulators are new at every run: order IDocs and ASNs an earlier run dropped after its hub stopped would be read as
 * new documents of this one (a second run published the first run's last order and three of its ASNs), and the
 * `done/`, `processed/` and `error/` files of every run piled up. A run's files stay after Ctrl-C, until the next run.
 */
export function freshFolder(path: string): string {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  return path;
}

/** Each demo run's router group: `<prefix><run>`. */
const ROUTER_GROUP_PREFIX = 'eai-demo-orchestrator-';

/** A topic's end offsets summed over its partitions. */
async function topicEnd(admin: Admin, topic: string): Promise<number> {
  return (await admin.topicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
}

/**
 * Deletes the groups whose id starts with `prefix` (or that `prefix` picks) and that have no member (the broker refuses
 * the others: a group in use stays). Returns the ones deleted.
 */
export async function deleteEmptyGroups(
  admin: Admin,
  prefix: string | ((id: string) => boolean),
): Promise<string[]> {
  const picked = typeof prefix === 'string' ? (id: string) => id.startsWith(prefix) : prefix;
  const deleted: string[] = [];
  for (const group of (await admin.listGroups()).filter(picked)) {
    try {
      await admin.deleteGroup(group);
      deleted.push(group);
    } catch {
      // Still in use (GROUP_NOT_EMPTY), or gone meanwhile.
    }
  }
  return deleted;
}

/**
 * The deployment's sinks and the topics each consumes (its own, else its type's), read from its files as the hub
 * reads them (their references resolved: call once the demo's environment is set). A shared stack may hold a long
 * history on those topics; every sink of the deployment counts, so none replays the past into the new simulators.
 */
function deployedSinks(): Array<[name: string, topics: string[]]> {
  const plugins = new Map(builtinPlugins.map((plugin) => [plugin.type, plugin]));
  return loadDeployment(deployDir, plugins).flatMap((definition) => {
    const plugin = plugins.get(definition.type);
    return plugin?.kind === 'sink'
      ? [[definition.name, definition.topics ?? plugin.defaults?.topics ?? []]]
      : [];
  });
}

/**
 * Sets each sink's consumer group in the demo's connect group to the end of its topics. Every demo run is fresh (new
 * simulators, the workflow database dropped, the router's group its own): commands an earlier run left unread belong
 * to workflows and records that no longer exist, and the new simulators would refuse them all (a second run showed
 * 1,497 failed despatches). Only `group`'s sinks move: another connect group's sink of the same name (a hub's of
 * `eai up`) keeps its offsets. A group still held by a run killed a moment ago cannot be moved: it is named and left.
 * Not the sinks' own `startAt: latest`: it holds only for a group without offsets (the earlier run's are kept by
 * design), and deleting those groups instead would move each sink's start from before the hub to the sink's own
 * start, after master data and the sources started before it have begun writing (the golden pushes of the CRM
 * snapshots), which that sink would then skip.
 */
export async function startSinksAtEnd(
  admin: Admin,
  sinks: Array<[name: string, topics: string[]]>,
  group: string,
  log: Logger,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  for (const [name, topics] of sinks) {
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      const ends = await admin.topicOffsets(topic);
      try {
        await admin.setGroupOffsets(
          sinkGroupId(name, group),
          topic,
          ends.map((p) => ({ partition: p.partition, offset: p.high })),
        );
      } catch (error) {
        log.warn(
          { connector: name, topic, error: (error as Error).message },
          'sink group still in use by an earlier run: its unread commands will be read',
        );
      }
    }
  }
}

/**
 * Golden values pushed back to Salesforce, HubSpot and Odoo, each write recognised when it comes back (Salesforce's
 * client stamp, HubSpot's app id, Odoo's integration user), and the latest change of each field wins (the sync
 * rule; masterdata/README.md).
 */
function demoMasterDataConfig(hubspotAppId: number) {
  return parseMdmConfig({
    survivorship: { default: { rule: 'mostRecent' }, fields: {} },
    sync: {
      systems: {
        salesforce: { push: true, hubChangeOrigin: ['client=eai-demo'] },
        hubspot: { push: true, hubChangeOrigin: ['INTEGRATION'], hubChangedBy: [String(hubspotAppId)] },
        odoo: { push: true, hubChangedBy: [String(ODOO_INTEGRATION_UID)] },
      },
    },
  });
}

async function subscribe(
  simUrl: string,
  body: Record<string, string>,
  path = '/sim/subscriptions',
): Promise<void> {
  const answer = await fetch(`${simUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`${simUrl}${path}: HTTP ${answer.status}: ${await answer.text()}`);
}

export interface DemoConnectorRow {
  name: string;
  state: string;
  in: number;
  out: number;
  /** Sinks: records not for them (nothing applied); sources: documents their mapping selects nothing from. */
  skipped: number;
  /** How many were skipped for each reason. */
  skippedReasons: Record<string, number>;
  failed: number;
  /**
   * What keeps it from working now, as `eai connectors ls` says it (waiting for Kafka, a record retried, a read
   * failing, why it FAILED), '' when nothing: its state alone stays RUNNING while its system is down.
   */
  trouble: string;
}

export interface DemoRefresh {
  at: string;
  connectors: DemoConnectorRow[];
  /** Offsets each canonical topic gained since the demo started: its records and the transactions' commit markers. */
  topics: Record<string, number>;
  /** The newest DEMO_WORKFLOW_WINDOW instances, counted by type, then status (`eai workflows ls` lists them). */
  workflows: Record<string, Record<string, number>>;
}

export function refreshText(refresh: DemoRefresh): string {
  const width = Math.max(9, ...refresh.connectors.map((c) => c.name.length));
  const rows = refresh.connectors.map(
    (c) =>
      `  ${c.name.padEnd(width)}  ${c.state.padEnd(10)} ${String(c.in).padStart(7)} ${String(c.out).padStart(7)} ${String(c.skipped).padStart(7)} ${String(c.failed).padStart(7)}`,
  );
  // What was skipped, and why, under the table: a count alone leaves a newcomer asking whether something is wrong.
  const skipped = refresh.connectors
    .filter((c) => c.skipped > 0)
    .map(
      (c) =>
        `  ${c.name.padEnd(width)}  ${reasonsByCount(c.skippedReasons)
          .map(([why, n]) => `${why} ${n}`)
          .join('; ')}`,
    );
  const troubles = refresh.connectors
    .filter((c) => c.trouble)
    .map((c) => `  ${c.name.padEnd(width)}  ${c.trouble}`);
  const topics = Object.entries(refresh.topics).map(([t, n]) => `  ${t.padEnd(width + 12)} ${n}`);
  const workflows = Object.entries(refresh.workflows).map(
    ([type, statuses]) =>
      `  ${type.padEnd(width + 12)} ${Object.entries(statuses)
        .map(([status, n]) => `${status} ${n}`)
        .join(', ')}`,
  );
  return [
    `--- ${refresh.at}`,
    `  ${'connector'.padEnd(width)}  ${'state'.padEnd(10)} ${'in'.padStart(7)} ${'out'.padStart(7)} ${'skipped'.padStart(7)} ${'failed'.padStart(7)}`,
    ...rows,
    ...(troubles.length > 0
      ? [`  ${'trouble'.padEnd(width)}  what keeps it from working now`, ...troubles]
      : []),
    ...(skipped.length > 0 ? [`  ${'skipped'.padEnd(width)}  why (records)`, ...skipped] : []),
    `  ${'topic'.padEnd(width + 12)} records since start (with transaction markers)`,
    ...topics,
    ...(workflows.length > 0
      ? [
          `  ${'workflow'.padEnd(width + 12)} instances by status (newest ${DEMO_WORKFLOW_WINDOW})`,
          ...workflows,
        ]
      : []),
    '',
  ].join('\n');
}

/**
 * `eai demo`: the stack, all five simulators and the hub with the shipped deployment that connects them, a fresh
 * admin token, and every few seconds what moves where; Ctrl-C stops the hub and the simulators.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'start the stack, every simulator and the hub with examples/demo/deploy, and show what moves where; Ctrl-C stops it',
    )
    .option('--port <n>', 'hub port (0 = any free port)', wholeNumber('--port', 0, 65535), DEFAULT_OPS_PORT)
    .option('--interval <ms>', 'refresh period of the table', wholeNumber('--interval', 100, 3_600_000), 2000)
    .option('--json', 'first line: the endpoints as one JSON object; then one JSON line per refresh')
    .action(async (options: DemoOptions) => {
      const log = createLogger('eai', demoLogLevel());
      await checkHubPort(options.port, '--port');
      // What it is doing while nothing else shows (the stack's own start says its steps the same way): on a busy
      // machine the simulators and the hub took from 15 s to minutes before the banner, without a line.
      const progress = (line: string) => process.stderr.write(`${line}\n`);
      const stack = await stackUp(progress);
      const home = join(stackHome(), 'demo');
      const dir = (name: string) => freshFolder(join(home, name));
      const epcisToken = newToken();
      // The Salesforce simulator's change events come with a bearer token, as a Salesforce callout carries a named
      // credential: no demo webhook is unauthenticated.
      const salesforceWebhookToken = newToken();
      const simulators: RunningSimulator[] = [];
      const closeSimulators = async () => {
        await Promise.all(simulators.splice(0).map((sim) => sim.close()));
      };
      let routerGroup = '';
      const topicsAtStart: Record<string, number> = {};
      let hub: Awaited<ReturnType<typeof startHub>> | undefined;
      const admin = demoAdmin(stack.brokers);
      await admin.connect();
      try {
        const sapDrop = dir('sap-outbound');
        const sapInbound = dir('sap-inbound');
        const logisticsOutbound = dir('logistics-outbound');
        // One file seeds the simulators: each takes its own system's lines (SAP its customer master, whose customers
        // its order IDocs name and its credit check knows). (Imported here: every other command would pay for
        // loading the generator at start.)
        const { generateCustomers } = await import('../../simulators/generator/generate.ts');
        const { toJsonl } = await import('../../simulators/generator/jsonl.ts');
        const customers = join(dir('seed'), 'customers.jsonl');
        writeFileSync(customers, toJsonl(generateCustomers(DEMO_CUSTOMERS).records));
        progress('starting the SAP, logistics, Odoo, Salesforce and HubSpot simulators');
        const sap = await sapSimulator.start({
          port: 0,
          seed: customers,
          dropDir: sapDrop,
          inboundDir: sapInbound,
          intervalMs: 3000,
        });
        simulators.push(sap);
        await giveCreditRoom(sap.url);
        // Its EPCIS capture subscription names the hub, made once the hub listens (a port picked ahead was taken
        // by another process before the hub bound it, once in CI).
        const logistics = await logisticsSimulator.start({ port: 0, outboundDir: logisticsOutbound });
        simulators.push(logistics);
        const odoo = await startSimulator('odoo', { port: 0, seed: customers });
        simulators.push(odoo);
        const salesforce = await startSimulator('salesforce', { port: 0, seed: customers });
        simulators.push(salesforce);
        const hubspot = await startSimulator('hubspot', { port: 0, seed: customers });
        simulators.push(hubspot);
        const app = (await (await fetch(`${hubspot.url}/sim/app`)).json()) as {
          appId: number;
          clientSecret: string;
          accessTokens: string[];
        };

        Object.assign(process.env, {
          EAI_DEMO_SAP_DROP_DIR: sapDrop,
          EAI_DEMO_SAP_INBOUND_DIR: sapInbound,
          EAI_DEMO_ODOO_URL: odoo.url,
          EAI_DEMO_ODOO_PASSWORD: ODOO_API_KEY,
          EAI_DEMO_LOGISTICS_OUTBOUND_DIR: logisticsOutbound,
          EAI_DEMO_LOGISTICS_URL: logistics.url,
          EAI_DEMO_EPCIS_TOKEN: epcisToken,
          EAI_DEMO_SALESFORCE_URL: salesforce.url,
          EAI_DEMO_SALESFORCE_WEBHOOK_TOKEN: salesforceWebhookToken,
          EAI_DEMO_SALESFORCE_CLIENT_SECRET: randomBytes(24).toString('base64url'),
          EAI_DEMO_HUBSPOT_CLIENT_SECRET: app.clientSecret,
          EAI_DEMO_HUBSPOT_URL: hubspot.url,
          EAI_DEMO_HUBSPOT_ACCESS_TOKEN: app.accessTokens[0] ?? '',
        });
        // (No source publishes before the hub starts: the sinks' groups are moved once the deployment can be read.)
        await startSinksAtEnd(admin, deployedSinks(), DEMO_CONNECT_GROUP, log);
        // The table counts what this run adds to the canonical topics, not their history (earlier runs, other hubs).
        const existing = new Set(await admin.listTopics());
        for (const { topic } of canonicalSchemas)
          topicsAtStart[topic] = existing.has(topic) ? await topicEnd(admin, topic) : 0;
        // The simulators are new at every run (SAP numbers its orders from the start again), so the demo's workflows
        // start fresh too: its own database is dropped, and its router group is the run's.
        await dropDatabase(stack.databaseUrl, DEMO_WORKFLOW_DATABASE);
        // Master data too: golden records of customers the new simulators hold under other ids, and what it recorded
        // as already sent to each system, would keep it from syncing to the fresh ones (a second run synced almost
        // no customer back). Only the demo's own schema goes; `mdm` and any other stay.
        await dropSchema(stack.databaseUrl, DEMO_MDM_SCHEMA);
        // The run's own router group, deleted when the demo stops (Ctrl-C): runs do not leave groups behind. A run
        // that was killed left its group; those of earlier runs go now (the broker refuses to delete a group that
        // still has members, so a demo running elsewhere on this stack keeps its own).
        await deleteEmptyGroups(admin, ROUTER_GROUP_PREFIX);
        // Master data's consumers start at the end of their topics too (`fromBeginning: false`), which holds only for a
        // group without offsets: an earlier run's would replay every customer event since (other hubs', tests') into
        // the fresh schema, and push golden values to the new simulators under ids they never had (HTTP 404).
        await deleteEmptyGroups(admin, (id) => DEMO_MASTERDATA_GROUPS.includes(id));
        routerGroup = `${ROUTER_GROUP_PREFIX}${Date.now().toString(36)}`;
        const token = newToken();
        progress(
          'starting the hub: the connectors of examples/demo/deploy, master data and the orchestrator',
        );
        hub = await startHub({
          ...stack,
          deployDir,
          tokens: [{ name: 'demo', role: 'admin', sha256: hashToken(token) }],
          logger: log,
          port: options.port,
          group: DEMO_CONNECT_GROUP,
          // Customers from every CRM and ERP matched into golden records (/customers, /sync/health); a shared stack
          // may hold a long history of customer events, so the demo's matcher starts with what moves now.
          masterdata: {
            config: demoMasterDataConfig(app.appId),
            schema: DEMO_MDM_SCHEMA,
            groupId: DEMO_MASTERDATA_GROUPS[0],
            activityGroupId: DEMO_MASTERDATA_GROUPS[1],
            fromBeginning: false,
          },
          // SAP's orders run through order-to-delivery (credit check at SAP, ORDRSP back, despatch to logistics, its
          // ASN back, the status and tracking to the customer's Account's Order in Salesforce, the delivery back);
          // Salesforce cases about an order through complaint-return. The demo's router
          // starts at the end of the canonical topics (a shared stack's history is not replayed).
          orchestrator: {
            executorId: 'eai-demo',
            database: DEMO_WORKFLOW_DATABASE,
            routerGroup,
            routerFromBeginning: false,
            sapUrl: sap.url,
            timers: DEMO_TIMERS,
          },
        });
        // The Odoo simulator is new at every run, and its records older than the position a previous run's poll
        // stored: its poll starts over (as Salesforce's and HubSpot's snapshots do, `mode: always`).
        await hub.runtime.setTargetState(ODOO_SOURCE, 'STOPPED');
        await hub.runtime.alterOffsets(ODOO_SOURCE, null);
        await hub.runtime.setTargetState(ODOO_SOURCE, 'RUNNING');
        for (const channel of ['/data/AccountChangeEvent', '/data/ContactChangeEvent'])
          await subscribe(salesforce.url, {
            url: `${hub.url}/webhooks/${SALESFORCE_CONNECTOR}`,
            channel,
            token: salesforceWebhookToken,
          });
        await subscribe(salesforce.url, {
          url: `${hub.url}/webhooks/${SALESFORCE_CASES_CONNECTOR}`,
          channel: '/data/CaseChangeEvent',
          token: salesforceWebhookToken,
        });
        await subscribe(hubspot.url, { url: `${hub.url}/webhooks/${HUBSPOT_CONNECTOR}` });
        await subscribe(
          logistics.url,
          { url: `${hub.url}/webhooks/${EPCIS_CONNECTOR}/capture`, token: epcisToken },
          '/sim/capture-subscriptions',
        );

        const endpoints = {
          api: hub.url,
          token,
          brokers: stack.brokers,
          registryUrl: stack.registryUrl,
          simulators: Object.fromEntries(simulators.map((sim) => [sim.name, sim.url])),
        };
        process.stdout.write(
          options.json
            ? `${JSON.stringify(endpoints)}\n`
            : demoBanner(endpoints, process.env.EAI_HOME ? stackHome() : undefined),
        );
      } catch (error) {
        await hub?.close();
        await closeSimulators();
        await admin.disconnect();
        throw error;
      }

      const running = hub;
      const connectorNames = running.runtime.names().sort();
      const refresh = async (): Promise<DemoRefresh> => {
        const connectors: DemoConnectorRow[] = [];
        for (const name of connectorNames) {
          const status = await running.runtime.status(name);
          if (!status) continue;
          connectors.push({
            name,
            state: status.state,
            in: status.metrics.recordsIn,
            out: status.metrics.recordsOut,
            skipped: status.metrics.recordsSkipped,
            skippedReasons: { ...status.metrics.skippedReasons },
            failed: status.metrics.recordsFailed,
            trouble: troubleText(status),
          });
        }
        const topics: Record<string, number> = {};
        for (const { topic } of canonicalSchemas)
          topics[topic] = (await topicEnd(admin, topic)) - (topicsAtStart[topic] ?? 0);
        const workflows: Record<string, Record<string, number>> = {};
        for (const instance of await listInstances({ limit: DEMO_WORKFLOW_WINDOW })) {
          const counts = workflows[instance.type] ?? {};
          counts[instance.status] = (counts[instance.status] ?? 0) + 1;
          workflows[instance.type] = counts;
        }
        return { at: new Date().toISOString(), connectors, topics, workflows };
      };

      let stopping = false;
      let timer: NodeJS.Timeout | undefined;
      const tick = async () => {
        try {
          const line = await refresh();
          if (stopping) return;
          process.stdout.write(options.json ? `${JSON.stringify(line)}\n` : refreshText(line));
        } catch (error) {
          log.warn({ error: (error as Error).message }, 'demo refresh failed');
        }
        if (!stopping) timer = setTimeout(tick, options.interval);
      };
      timer = setTimeout(tick, options.interval);

      const stop = async (signal: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        clearTimeout(timer);
        log.info({ signal }, 'stopping the demo');
        if (!options.json)
          process.stdout.write('stopping the hub and the simulators (Ctrl-C again: at once)\n');
        const clean = await runClosers(log, [
          () => running.close(),
          closeSimulators,
          // Empty now that the hub has stopped; a group of a run that was killed stays until the broker expires it.
          () => admin.deleteGroup(routerGroup),
          () => admin.disconnect(),
        ]);
        if (!options.json) process.stdout.write(demoStopped(home));
        process.exit(clean ? 0 : 1);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}

/** What `eai demo` prints once stopped (without --json): what stays, and until when. */
export function demoStopped(files: string): string {
  return `eai demo stopped. The stack keeps running (npx eai stack down stops it); this run's files stay in ${files} until the next run, which starts afresh.\n`;
}

/**
 * What `eai demo` prints once up (without --json): where everything is, and the CLI's line to copy. `home`: the stack
 * folder when EAI_HOME chose it (another clone's), which the CLI in another shell needs too (`eai mdm`, `eai dlq`
 * without a hub read the stack's database and Kafka from it).
 */
export function demoBanner(
  endpoints: {
    api: string;
    token: string;
    brokers: string;
    registryUrl: string;
    simulators: Record<string, string>;
  },
  home?: string,
): string {
  return [
    'eai demo is up:',
    `  hub          ${endpoints.api}`,
    `  token        ${endpoints.token}`,
    // The CLI's commands find this hub and its token from these, and `eai mdm` the demo's master data: copied as they
    // are, on any port (--port 0 too).
    `  for the CLI  export EAI_URL=${endpoints.api} EAI_TOKEN=${endpoints.token} EAI_MDM_SCHEMA=${DEMO_MDM_SCHEMA}${home ? ` EAI_HOME=${home}` : ''}`,
    `  brokers      ${endpoints.brokers}`,
    `  registry     ${endpoints.registryUrl}`,
    ...Object.entries(endpoints.simulators).map(([name, url]) => `  ${name.padEnd(12)} ${url}`),
    'Ctrl-C stops it; the next run starts afresh (new simulators, workflows and master data).',
    '',
  ].join('\n');
}
