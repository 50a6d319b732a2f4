import type { Command } from 'commander';
import { callHub, type HubTarget, hubOptions } from '../hub-client.ts';
import { printResult } from '../output.ts';

interface SystemHealth {
  system: string;
  status: string;
  reasons: string[];
  inbound: { lastReceivedAt: string | null; records: number | null };
  /** heldCreates: absent from a hub older than it. */
  outbound: {
    lastSentAt: string | null;
    backlogRecords: number;
    failedPushes: number;
    heldCreates?: number | null;
  };
  drift: { missing: number; extra: number; differs: number; erased?: number; repaired: boolean } | null;
  /** Open requests to re-read (absent from a hub older than it). */
  resyncRequested?: { records: number; entities: string[]; since: string | null } | null;
  /** Its own dead letters not redriven (absent from a hub older than it). */
  deadLetters?: { inbound: number; outbound: number; redriven: number } | null;
}

interface SyncHealth {
  status: string;
  reasons: string[];
  matcher: { backlogRecords: number | null };
  stewardQueue: number | null;
  deadLetters: Array<{ topic: string; depth: number }> | null;
  systems: SystemHealth[];
  /** Fields the hub could not read, and why (absent from a hub older than it). */
  unknown?: Array<{ fields: string[]; reason: string }>;
}

/** Why `field` is unknown, if the hub says it is. */
const unknownWhy = (h: SyncHealth, field: string) => h.unknown?.find((u) => u.fields.includes(field))?.reason;

/** A value, or `unknown (why)` where the hub could not read it. */
const shown = (h: SyncHealth, field: string, value: string | number | null | undefined) => {
  const why = unknownWhy(h, field);
  if (why !== undefined) return `unknown (${why})`;
  return value === null || value === undefined ? 'unknown' : String(value);
};

/**
 * Records the last reconcile found apart (missing, extra, differing: 0 once repaired; erased in the hub but still in
 * the system: until it deletes them); '-' never reconciled.
 */
const drifted = (s: SystemHealth, unknown: boolean) =>
  unknown
    ? 'unknown'
    : s.drift
      ? String(
          (s.drift.repaired ? 0 : s.drift.missing + s.drift.extra + s.drift.differs) + (s.drift.erased ?? 0),
        )
      : '-';

/** Open requests to re-read: records, then whole entities (`3 +Account`); '-' none; unknown while unread. */
const resync = (s: SystemHealth, unknown: boolean) => {
  if (unknown) return 'unknown';
  const r = s.resyncRequested;
  if (!r || (r.records === 0 && r.entities.length === 0)) return '-';
  return [r.records > 0 ? String(r.records) : '', ...r.entities.map((e) => `+${e}`)]
    .filter(Boolean)
    .join(' ');
};

/** Its own dead letters not redriven, in and out together; '-' from a hub that does not say; unknown while unread. */
const dead = (s: SystemHealth) =>
  s.deadLetters === undefined
    ? '-'
    : s.deadLetters === null
      ? 'unknown'
      : String(s.deadLetters.inbound + s.deadLetters.outbound);

/** Creates held for the steward; '-' from a hub that does not say or none held; unknown while unread. */
const held = (s: SystemHealth) =>
  s.outbound.heldCreates === null ? 'unknown' : s.outbound.heldCreates ? String(s.outbound.heldCreates) : '-';

/** A time in the table: UTC, to the second, as the header says (the hub's times are ISO instants). */
const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '-');

export function syncStatusText(h: SyncHealth): string {
  const driftUnknown = unknownWhy(h, 'systems[].drift') !== undefined;
  const resyncUnknown = unknownWhy(h, 'systems[].resyncRequested') !== undefined;
  const recordsWhy = unknownWhy(h, 'systems[].inbound.records');
  const head = `${'system'.padEnd(14)} ${'status'.padEnd(9)} ${'last received UTC'.padEnd(20)} ${'last sent UTC'.padEnd(20)} ${'backlog'.padStart(8)} ${'failed'.padStart(7)} ${'held'.padStart(5)} ${'dead'.padStart(7)} ${'records'.padStart(8)} ${'drift'.padStart(7)} ${'re-read'.padStart(8)}`;
  const rows = h.systems.map(
    (s) =>
      `${s.system.padEnd(14)} ${s.status.padEnd(9)} ${when(s.inbound.lastReceivedAt).padEnd(20)} ${when(s.outbound.lastSentAt).padEnd(20)} ${String(s.outbound.backlogRecords).padStart(8)} ${String(s.outbound.failedPushes).padStart(7)} ${held(s).padStart(5)} ${dead(s).padStart(7)} ${String(s.inbound.records ?? 'unknown').padStart(8)} ${drifted(s, driftUnknown).padStart(7)} ${resync(s, resyncUnknown).padStart(8)}`,
  );
  const depths = h.deadLetters
    ? h.deadLetters.map((d) => `${d.topic} ${d.depth}`).join(', ') || '-'
    : shown(h, 'deadLetters', null);
  // Records and drift come from the master data: one line says why they are unknown, not each row.
  const footnote = recordsWhy ?? (driftUnknown ? unknownWhy(h, 'systems[].drift') : undefined);
  return [
    `customer sync: ${h.status}`,
    ...h.reasons.map((r) => `  - ${r}`),
    `matcher backlog ${shown(h, 'matcher.backlogRecords', h.matcher.backlogRecords)}, steward queue ${shown(h, 'stewardQueue', h.stewardQueue)}, dead letters: ${depths}`,
    '',
    head,
    ...rows,
    ...(footnote && h.systems.length > 0 ? ['', `records and drift: unknown (${footnote})`] : []),
  ].join('\n');
}

/** `eai sync status`'s exit code per status. */
const STATUS_EXIT: Record<string, number> = { ok: 0, degraded: 2, failing: 3 };

/** `eai sync status`: a running hub's customer sync health (`GET /sync/health`; the hub runs with --masterdata). */
export function registerSyncCommand(program: Command): void {
  const sync = program
    .command('sync')
    .description('customer sync between the systems and the golden records');
  hubOptions(
    sync
      .command('status')
      .description(
        'per system: last received and sent, backlog, failed pushes, its own dead letters, drift, records to re-read, status ok | degraded | failing; exits 0 when ok, 2 when degraded, 3 when failing (for scripts and probes)',
      ),
  )
    .option('--json', 'print JSON')
    .action(async (options: HubTarget & { json?: boolean }) => {
      const { body } = await callHub(options, 'GET', '/sync/health');
      printResult(!!options.json, body, () => syncStatusText(body as SyncHealth));
      // A script or a probe sees the status without parsing the output (a status the hub reported, not an error: 1).
      process.exitCode = STATUS_EXIT[(body as SyncHealth).status] ?? 0;
    });
}
