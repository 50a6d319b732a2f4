import { describe, expect, it } from 'vitest';
import { closedPort } from '../tests/ports.ts';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { depthsText, entriesText, entryLine, noMatchText } from './commands/dlq.ts';
import { timeOption } from './options.ts';

describe('eai dlq ls without a topic', () => {
  it('says its number is offsets, at most the letters (transaction markers take offsets too), not a count of letters', () => {
    const text = depthsText([
      { topic: 'dlq.mapping', depth: 4, exists: true },
      { topic: 'dlq.sink', depth: 0, exists: false },
    ]);
    const [header, ...rows] = text.split('\n');
    expect(header).toMatch(
      /^topic\s+offsets \(at most this many letters: transaction markers take offsets too/,
    );
    expect(rows).toEqual([`${'dlq.mapping'.padEnd(20)} 4`, `${'dlq.sink'.padEnd(20)} no such topic`]);
  });
});

describe('eai dlq --since / --until', () => {
  it('takes an ISO 8601 date or time as given, or an age before now, as the ISO time the filter reads', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(timeOption('30m', '--since', now)).toBe('2026-12-06T11:30:00.000Z');
    expect(timeOption('24h', '--since', now)).toBe('2026-12-05T12:00:00.000Z');
    expect(timeOption('7d', '--since', now)).toBe('2026-11-29T12:00:00.000Z');
    expect(timeOption('2026-12-01', '--since', now)).toBe('2026-12-01T00:00:00.000Z');
    expect(timeOption('2026-12-01T09:30:00+01:00', '--until', now)).toBe('2026-12-01T08:30:00.000Z');
    expect(timeOption(undefined, '--since', now)).toBeUndefined();
    expect(() => timeOption('1w', '--since', now)).toThrow(/^--since 1w: not a time/);
    expect(() => timeOption('12/01/2026', '--since', now)).toThrow(/not a time/);
  });
});

const sinkLetter = {
  partition: 0,
  offset: '55',
  timestamp: '2026-12-05T10:02:54.999Z',
  key: 'edi:HOMEIMPROVUS:4500731001',
  originalTopic: 'ops.sales-order',
  originalPartition: 2,
  originalOffset: '2',
  owner: 'eai-sink-ops-trial/ops-wms',
  stage: 'TASK_PUT',
  exceptionClass: 'HttpUnavailableError',
  message: 'ops-wms: PUT /api/orders/x answered HTTP 503',
  valuesMarked: true,
  attempts: 9,
  ceId: '000000731/0001',
  sender: null,
  size: 1194,
};

describe('eai dlq ls of a topic', () => {
  it('starts with a header naming each column where its values start, as eai connectors ls does', () => {
    // Seen in the ops trial: the letters came as bare lines, a position, a time and an owner nobody had named.
    const [header, ...rows] = entriesText([sinkLetter, { ...sinkLetter, offset: '56' }]).split('\n');
    expect(header).toMatch(/^POSITION {2}DEAD-LETTERED +OWNER +STAGE +ERROR {2}\(FROM\)$/);
    expect(rows).toEqual([entryLine(sinkLetter), entryLine({ ...sinkLetter, offset: '56' })]);
    for (const [column, value] of [
      ['DEAD-LETTERED', '2026-12-05T10:02:54.999Z'],
      ['OWNER', '…-sink-ops-trial/ops-wms'],
      ['STAGE', 'TASK_PUT'],
      ['ERROR', 'HttpUnavailableError:'],
    ] as const)
      expect(header!.indexOf(column), column).toBe(rows[0]!.indexOf(value));
  });

  it("keeps the end of a long owner, the connector's name, where owners differ", () => {
    // Seen in the ops trial: a sink of the connect group ops-trial was listed as "eai-sink-ops-trial/ops-…", which
    // every sink of that group is.
    const line = entryLine({
      partition: 0,
      offset: '55',
      timestamp: '2026-12-05T10:02:54.999Z',
      key: 'edi:HOMEIMPROVUS:4500731001',
      originalTopic: 'ops.sales-order',
      originalPartition: 2,
      originalOffset: '2',
      owner: 'eai-sink-ops-trial/ops-wms',
      stage: 'TASK_PUT',
      exceptionClass: 'HttpUnavailableError',
      message: 'ops-wms: PUT /api/orders/x answered HTTP 503',
      valuesMarked: true,
      attempts: 9,
      ceId: '000000731/0001',
      sender: null,
      size: 1194,
    });
    expect(line).toContain('  …-sink-ops-trial/ops-wms  TASK_PUT');
  });
});

/** Everything `eai dlq` can refuse without Kafka is refused before it connects: one line, exit 1. */
describe('eai dlq ls that finds nothing', () => {
  it('says, for a bare --owner read straight from Kafka, which connect group its connector was looked for in', () => {
    expect(noMatchText('dlq.sink', 'odoo-out', false, 'eai-connect')).toBe(
      "no dead letters in dlq.sink match (owner odoo-out: a consumer group, or a connector of the connect group eai-connect, EAI_CONNECT_GROUP's; another group's connector is --owner <group>/odoo-out)",
    );
    // A group named, a hub (which knows its own group) or no owner: nothing to add.
    expect(noMatchText('dlq.sink', 'trial/odoo-out', false, 'eai-connect')).toBe(
      'no dead letters in dlq.sink match',
    );
    expect(noMatchText('dlq.sink', 'odoo-out', true, 'eai-connect')).toBe(
      'no dead letters in dlq.sink match',
    );
    expect(noMatchText('dlq.sink', undefined, false, 'eai-connect')).toBe(
      'no dead letters in dlq.sink match',
    );
  });
});

describe('eai dlq without Kafka', () => {
  // The refusals in this process (tests/run-eai-in-process.ts: eight CLI starts were ~1.4 s of CPU each, 5 s at load
  // 11); the real process for the last, which reaches for Kafka.
  it('refuses a redrive that does not say which letters, or says it twice, before connecting', {
    timeout: 60_000,
  }, async () => {
    const port = await closedPort();
    // No hub named: a shell's EAI_URL or EAI_TOKEN would send the commands through one.
    const env = {
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${port}`,
      EAI_URL: '',
      EAI_TOKEN: '',
      EAI_ADMIN_TOKEN: '',
    };
    const cases: Array<[string[], string]> = [
      [
        ['dlq', 'redrive', 'dlq.sink'],
        'eai: say which letters: --from N --to M, or a filter such as --owner or --grep\n',
      ],
      [['dlq', 'redrive', 'dlq.sink', '--from', '3'], 'eai: a range needs both --from and --to\n'],
      [
        ['dlq', 'redrive', 'dlq.sink', '--grep', 'x', '--partition', '1'],
        'eai: --partition goes with --from/--to\n',
      ],
      [['dlq', 'ls', 'dlq.sink', '--limit', '0'], 'eai: --limit must be a positive integer\n'],
      // A time that is none was `filter since is not a date`; it says what it takes (an age is one).
      [
        ['dlq', 'ls', 'dlq.sink', '--since', 'yesterday'],
        'eai: --since yesterday: not a time; give an ISO 8601 date or time (2026-12-06, 2026-12-06T09:30:00Z) or an age before now (30m, 24h, 7d)\n',
      ],
      [
        ['dlq', 'redrive', 'dlq.sink', '--until', '2026-13-01'],
        'eai: --until 2026-13-01: not a time; give an ISO 8601 date or time (2026-12-06, 2026-12-06T09:30:00Z) or an age before now (30m, 24h, 7d)\n',
      ],
      // Without a topic, filters were ignored without a word (the topics' depths were printed).
      [
        ['dlq', 'ls', '--since', '24h'],
        'eai: filters, --partition and --from pick the letters of one topic: name it, e.g. npx eai dlq ls dlq.mapping --since 24h (npx eai dlq ls lists the topics)\n',
      ],
      [['dlq', 'show', 'dlq.sink', 'zero', '1'], 'eai: partition must be a number, got "zero"\n'],
      // A canonical topic read as dead letters listed a page of `?` rows (the API answers 404 for it).
      [
        ['dlq', 'ls', 'canonical.customer'],
        "eai: canonical.customer is not a dead-letter topic: the hub's are dlq.mapping, dlq.orchestrator, dlq.sink\n",
      ],
      [
        ['dlq', 'redrive', 'eai.dlq-redriven', '--from', '0', '--to', '1'],
        "eai: eai.dlq-redriven is not a dead-letter topic: the hub's are dlq.mapping, dlq.orchestrator, dlq.sink\n",
      ],
    ];
    for (const [args, stderr] of cases) {
      const run = await runEaiInProcess(args, { env });
      expect(run.stderr, args.join(' ')).toBe(stderr);
      expect(run.code).toBe(1);
    }
    // ls and show reach Kafka the same way (cli/endpoints.ts connectBus), so they say the same line: Kafka, its
    // bootstrap address, what to do (a trial found show's worth checking). --json: the one line is JSON.
    const [ls, show] = await Promise.all([
      runEai(['dlq', 'ls', '--json'], { env }),
      runEai(['dlq', 'show', 'dlq.mapping', '0', '0', '--json'], { env }),
    ]);
    for (const down of [ls, show]) {
      expect(down.code).toBe(1);
      expect(JSON.parse(down.stderr).errors[0].message).toMatch(
        new RegExp(
          `^cannot reach Kafka at 127\\.0\\.0\\.1:${port} .*is the stack up\\? npx eai stack up, or set KAFKA_BROKERS$`,
        ),
      );
    }
  });
});

describe('eai dlq ls and redrive through a hub', () => {
  it('send the filter read once, the owner as written (the hub expands it), and the position beside it', async () => {
    const { createServer } = await import('node:http');
    const asked: Array<{ method: string; url: string; body: string }> = [];
    const hub = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        asked.push({ method: req.method!, url: req.url!, body });
        res.setHeader('content-type', 'application/json');
        res.end(
          req.method === 'GET'
            ? JSON.stringify({ entries: [], next: null })
            : JSON.stringify({ matched: 0, redriven: 0, skipped: 0, dryRun: true, byTopic: {} }),
        );
      });
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hub.address() as { port: number }).port}`;
    const env = { EAI_URL: url, EAI_TOKEN: 'operator-token-0123456789', EAI_CONNECT_GROUP: 'elsewhere' };
    try {
      const filter = ['--owner', 'odoo-out', '--grep', 'refused', '--since', '2026-12-06T09:30:00Z'];
      await runEaiInProcess(['dlq', 'ls', 'dlq.sink', ...filter, '--limit', '5', '--json'], { env });
      await runEaiInProcess(['dlq', 'redrive', 'dlq.sink', ...filter, '--dry-run', '--json'], { env });
      expect(asked[0]).toMatchObject({
        method: 'GET',
        url: '/dead-letters/dlq.sink?owner=odoo-out&text=refused&since=2026-12-06T09%3A30%3A00.000Z&limit=5',
      });
      expect(asked[1]!.url).toBe('/dead-letters/dlq.sink/redrive');
      expect(JSON.parse(asked[1]!.body)).toEqual({
        filter: { owner: 'odoo-out', text: 'refused', since: '2026-12-06T09:30:00.000Z' },
        dryRun: true,
      });
    } finally {
      hub.close();
    }
  });
});
