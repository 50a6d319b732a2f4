import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { eraseCustomer, MasterDataStore, parseMdmConfig, recordWriteBacks } from '../masterdata/index.ts';
import { generatedCustomers, pairwiseQuality } from '../tests/mdm-data.ts';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { testStack } from '../tests/stack.ts';

const schema = `mdm_cli_${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'eai-mdm-'));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: testStack().databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.query(`drop schema if exists "${schema}_strict" cascade`);
  await client.query(`drop schema if exists "${schema}_queue" cascade`);
  await client.query(`drop schema if exists "${schema}_hub" cascade`);
  await client.query(`drop schema if exists "${schema}_rows" cascade`);
  await client.query(`drop schema if exists "${schema}_split" cascade`);
  await client.query(`drop schema if exists "${schema}_erased" cascade`);
  await client.query(`drop schema if exists "${schema}_array" cascade`);
  await client.query(`drop schema if exists "${schema}_wb" cascade`);
  await client.end();
});

const env = () => ({ DATABASE_URL: testStack().databaseUrl });

describe('eai mdm load / export', () => {
  const records = generatedCustomers(9, 60);
  const systems = [...new Set(records.map((r) => r.system))].sort();

  it('loads each system from JSON lines, resumes a finished load, and exports the cross-reference', async () => {
    let total = 0;
    for (const system of systems) {
      const file = join(dir, `${system}.jsonl`);
      const mine = records.filter((r) => r.system === system);
      writeFileSync(file, `${mine.map((r) => JSON.stringify(r.customer)).join('\n')}\n`);
      // The first system in a real process (what a user runs, and nothing logged on its stderr); the others in this one.
      const run = await (system === systems[0] ? runEai : runEaiInProcess)(
        ['mdm', 'load', system, '--input', file, '--schema', schema, '--batch', '25', '--json'],
        {
          env: env(),
          timeoutMs: 120_000,
        },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.lines).toBe(mine.length);
      const { new: created, merged, review, updated, unchanged } = summary.counts;
      expect(created + merged + review + updated + unchanged).toBe(mine.length);
      total += mine.length;
    }

    // The same file again: every line was committed, nothing is matched twice.
    const first = systems[0] ?? '';
    const again = await runEaiInProcess(
      ['mdm', 'load', first, '--input', join(dir, `${first}.jsonl`), '--schema', schema, '--json'],
      {
        env: env(),
        timeoutMs: 60_000,
      },
    );
    expect(again.code).toBe(0);
    const resumed = JSON.parse(again.stdout);
    expect(resumed.resumedFrom).toBe(resumed.lines);
    expect(resumed.alreadyLoaded).toBe(true);
    const said = await runEaiInProcess(
      ['mdm', 'load', first, '--input', join(dir, `${first}.jsonl`), '--schema', schema],
      {
        env: env(),
        timeoutMs: 60_000,
      },
    );
    expect(said.stdout).toContain(
      'was loaded before (same content and mapping), nothing done; --again loads it again',
    );
    // --again: every line once more, each recognised as unchanged.
    const reloaded = await runEaiInProcess(
      ['mdm', 'load', first, '--input', join(dir, `${first}.jsonl`), '--schema', schema, '--again', '--json'],
      { env: env(), timeoutMs: 60_000 },
    );
    expect(reloaded.code).toBe(0);
    const fresh = JSON.parse(reloaded.stdout);
    expect(fresh).toMatchObject({ alreadyLoaded: false, resumedFrom: 0 });
    expect(fresh.counts.unchanged).toBe(fresh.lines);

    // A command that reads names a schema that is not there: one line, and no empty schema made of the typo.
    const typo = await runEaiInProcess(['mdm', 'export', '--schema', `${schema}_typo`], {
      env: env(),
      timeoutMs: 60_000,
    });
    expect(typo.code).toBe(1);
    expect(typo.stderr.trim()).toBe(
      `eai: no master data in schema ${schema}_typo: eai mdm load creates it (or name another with --schema)`,
    );
    const client = new pg.Client({ connectionString: testStack().databaseUrl });
    await client.connect();
    const made = await client.query('select 1 from pg_namespace where nspname = $1', [`${schema}_typo`]);
    await client.end();
    expect(made.rowCount).toBe(0);

    const csv = await runEaiInProcess(['mdm', 'export', '--xref', '--schema', schema], {
      env: env(),
      timeoutMs: 60_000,
    });
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('system,source_id,golden_id');
    expect(lines).toHaveLength(total + 1);
    const assigned = new Map(
      lines.slice(1).map((l) => {
        const [system, id, golden] = l.split(',');
        return [`${system}/${id}`, golden ?? ''] as const;
      }),
    );
    const truth = new Map(
      records.map((r) => [`${r.system}/${r.customer.sourceIds?.[0]?.id}`, r.entityId] as const),
    );
    const quality = pairwiseQuality(assigned, truth);
    expect(quality.f1).toBeGreaterThan(0.95);

    const json = await runEai(['mdm', 'export', '--xref', '--json', '--schema', schema], {
      env: env(),
      timeoutMs: 60_000,
    });
    const first3 = json.stdout
      .trim()
      .split('\n')
      .slice(0, 3)
      .map((l) => JSON.parse(l));
    expect(first3[0]).toEqual({
      system: expect.any(String),
      sourceId: expect.any(String),
      goldenId: expect.stringMatching(/^gc-/),
    });
  }, 300_000);

  it('shows a golden record with its lineage, lists the steward queue, refuses an unknown merge', async () => {
    const csv = await runEaiInProcess(['mdm', 'export', '--xref', '--schema', schema], { env: env() });
    // The cross-reference is the only export, so also what `eai mdm export` prints without saying which.
    expect((await runEaiInProcess(['mdm', 'export', '--schema', schema], { env: env() })).stdout).toBe(
      csv.stdout,
    );
    const goldenId = csv.stdout.trim().split('\n')[1]?.split(',')[2] ?? '';
    const show = await runEaiInProcess(['mdm', 'show', goldenId, '--json', '--schema', schema], {
      env: env(),
    });
    expect(show.code).toBe(0);
    const golden = JSON.parse(show.stdout);
    expect(golden.goldenId).toBe(goldenId);
    expect(golden.members.length).toBeGreaterThan(0);
    expect(Object.keys(golden.lineage).length).toBeGreaterThan(0);
    // The schema from the environment, as `eai demo`'s banner exports it (its master data is in mdm_demo).
    const fromEnv = await runEaiInProcess(['mdm', 'show', goldenId, '--json'], {
      env: { ...env(), EAI_MDM_SCHEMA: schema },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(JSON.parse(fromEnv.stdout).goldenId).toBe(goldenId);
    // As text: each golden field with its value, then where it came from.
    const text = await runEaiInProcess(['mdm', 'show', goldenId, '--schema', schema], { env: env() });
    expect(text.code).toBe(0);
    const name = golden.record.organizationName ?? golden.record.person.familyName;
    const nameField = golden.record.organizationName ? 'organizationName' : 'person';
    const { system, sourceId, rule } = golden.lineage[nameField];
    expect(text.stdout.split('\n')).toContainEqual(
      expect.stringMatching(
        new RegExp(`^  ${nameField} +.*${name}.* from ${system} ${sourceId} \\(${rule}\\)$`),
      ),
    );
    const review = await runEaiInProcess(['mdm', 'review', '--json', '--schema', schema], { env: env() });
    expect(review.code).toBe(0);
    expect(Array.isArray(JSON.parse(review.stdout))).toBe(true);
    const unmerge = await runEaiInProcess(['mdm', 'unmerge', '999999', '--schema', schema], { env: env() });
    expect(unmerge.code).toBe(1);
    expect(unmerge.stderr).toBe('eai: no merge 999999 in the merge history\n');

    // A golden record of several members shows the links that hold them (what a steward would reject).
    const members = new Map<string, string[]>();
    for (const line of csv.stdout.trim().split('\n').slice(1)) {
      const [sys, id, golden] = line.split(',');
      members.set(golden ?? '', [...(members.get(golden ?? '') ?? []), `${sys} ${id}`]);
    }
    const [several] = [...members].filter(([, m]) => m.length > 1).map(([g]) => g);
    const shown = await runEaiInProcess(['mdm', 'show', several ?? '', '--schema', schema], { env: env() });
    const links = shown.stdout.split('\n').filter((l) => l.startsWith('  link   '));
    expect(links.length).toBeGreaterThanOrEqual((members.get(several ?? '')?.length ?? 0) - 1);
    expect(links[0]).toMatch(
      /^ {2}link {3}\S+ \S+ ~ \S+ \S+ {2}(scored [01]\.\d{3}|accepted by \S+ at \S+)$/,
    );

    // eai mdm merge: two golden records of one kind become one; the merge is in the history and can be undone.
    const singles: Array<{ id: string; type: string }> = [];
    for (const [id, m] of members) {
      if (m.length !== 1 || singles.length >= 2) continue;
      const g = JSON.parse(
        (await runEaiInProcess(['mdm', 'show', id, '--json', '--schema', schema], { env: env() })).stdout,
      );
      if (singles.length === 0 || singles[0]?.type === g.record.partyType)
        singles.push({ id, type: g.record.partyType });
    }
    const [x, y] = singles;
    const merged = await runEaiInProcess(
      ['mdm', 'merge', x?.id ?? '', y?.id ?? '', '--json', '--schema', schema],
      {
        env: env(),
      },
    );
    expect(merged.code, merged.stderr).toBe(0);
    const survivor = JSON.parse(merged.stdout).goldenId;
    expect([x?.id, y?.id]).toContain(survivor);
    const again = await runEaiInProcess(['mdm', 'merge', x?.id ?? '', y?.id ?? '', '--schema', schema], {
      env: env(),
    });
    expect(again.stderr).toBe(`eai: ${x?.id} and ${y?.id} are one golden record already\n`);
    const history = JSON.parse(
      (await runEaiInProcess(['mdm', 'show', survivor, '--json', '--schema', schema], { env: env() })).stdout,
    ).history as Array<{ id: number; kind: string }>;
    const merge = history.find((h) => h.kind === 'merge');
    expect(merge).toBeDefined();
    // In camelCase alone, as GET /customers/{goldenId} answers (undone_by stood beside undoneBy).
    expect(Object.keys(merge ?? {}).sort()).toEqual([
      'absorbed',
      'actor',
      'at',
      'goldenId',
      'id',
      'kind',
      'undoneBy',
    ]);
    const undone = await runEaiInProcess(
      ['mdm', 'unmerge', String(merge?.id), '--json', '--schema', schema],
      {
        env: env(),
      },
    );
    expect(undone.code, undone.stderr).toBe(0);
    expect(JSON.parse(undone.stdout).restored.sort()).toEqual([x?.id, y?.id].sort());
    // An unmerge's own history entry is no merge: said so, with what undoes what.
    const entries = JSON.parse(
      (await runEaiInProcess(['mdm', 'show', survivor, '--json', '--schema', schema], { env: env() })).stdout,
    ).history as Array<{ id: number; kind: string }>;
    const other = entries.find((h) => h.kind !== 'merge');
    const refused = await runEaiInProcess(['mdm', 'unmerge', String(other?.id), '--schema', schema], {
      env: env(),
    });
    expect(refused.stderr).toMatch(
      new RegExp(`^eai: #${other?.id} in the merge history is a ${other?.kind}, not a merge`),
    );
  }, 120_000);

  it('says which record an accept split off by a conflict, and its unmerge restores the records before it', async () => {
    const split = `${schema}_split`;
    // Two legal entities of one group (one address, one phone), and the CRM's spelling of the KG.
    const company = (system: string, id: string, organizationName: string) => ({
      customerId: `${system}:${id}`,
      sourceIds: [{ system, id }],
      partyType: 'ORGANIZATION',
      organizationName,
      phones: [{ number: '+49 711 4711000' }],
      addresses: [
        {
          use: 'BILLING',
          lines: ['Industriestraße 7'],
          city: 'Stuttgart',
          postalCode: '70565',
          countryCode: 'DE',
        },
      ],
    });
    for (const [system, rows] of [
      [
        'erp',
        [
          company('erp', '10001', 'Müller Maschinenbau GmbH & Co. KG'),
          company('erp', '10002', 'Müller Maschinenbau Verwaltungs-GmbH'),
        ],
      ],
      ['crm', [company('crm', 'C-1', 'Mueller Maschinenbau GmbH & Co KG')]],
    ] as const) {
      const file = join(dir, `split-${system}.jsonl`);
      writeFileSync(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
      const load = await runEaiInProcess(['mdm', 'load', system, '--input', file, '--schema', split], {
        env: env(),
      });
      expect(load.code, load.stderr).toBe(0);
    }
    const db = new pg.Client({ connectionString: testStack().databaseUrl });
    await db.connect();
    const xref = async () =>
      (await db.query(`select system, source_id, golden_id from "${split}".xref order by 1, 2`)).rows;
    const before = await xref();
    const decide = ['mdm', 'decide', 'accept', 'erp', '10001', 'erp', '10002', '--schema', split];
    const text = await runEaiInProcess(decide, { env: env() });
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^crm C-1 → gc-[0-9a-f]{20} \(split off: a conflict holds it apart from both; /);
    const merge = (await db.query(`select max(id) as id from "${split}".merge_history where kind = 'merge'`))
      .rows[0]?.id;
    const undone = await runEaiInProcess(['mdm', 'unmerge', String(merge), '--json', '--schema', split], {
      env: env(),
    });
    expect(undone.code, undone.stderr).toBe(0);
    expect(await xref()).toEqual(before);
    await db.end();
    // Accepted again (--json): the answer names the record the conflict moves out.
    const json = JSON.parse((await runEaiInProcess([...decide, '--json'], { env: env() })).stdout);
    expect(json.a).toBe(json.b);
    expect(json.splitOff).toEqual([
      { system: 'crm', sourceId: 'C-1', goldenId: expect.stringMatching(/^gc-/) },
    ]);
  }, 60_000);

  it('says how many pairs wait beyond a page of the steward queue; --limit 0 is refused', async () => {
    // The ops trial's `eai mdm review` showed 50 of 1,885 waiting pairs and nothing more.
    const queueSchema = `${schema}_queue`;
    const person = (system: string, id: string, givenName: string, familyName: string, extra: object) => ({
      customerId: `${system}:${id}`,
      sourceIds: [{ system, id }],
      partyType: 'PERSON',
      person: { givenName, familyName },
      ...extra,
    });
    const file = join(dir, 'queue.jsonl');
    const lines = [
      person('sap', '1', 'José', 'Núñez', {}),
      person('crm', '1', 'Jose', 'Nunez', {
        addresses: [{ use: 'BILLING', lines: ['Calle Mayor 1'], city: 'Madrid', countryCode: 'ES' }],
      }),
      person('sap', '2', 'François', 'Çelik', {
        phones: [{ number: '06 12 34 56 78' }],
        addresses: [{ use: 'BILLING', city: 'Marseille', countryCode: 'FR' }],
      }),
      person('crm', '2', 'Francois', 'Celik', {
        phones: [{ number: '+33 6 12 34 56 79' }],
        addresses: [{ use: 'BILLING', city: 'Marseille', countryCode: 'FR' }],
      }),
    ];
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const load = await runEaiInProcess(
      ['mdm', 'load', 'mixed', '--input', file, '--schema', queueSchema, '--json'],
      {
        env: env(),
        timeoutMs: 60_000,
      },
    );
    expect(load.code, load.stderr).toBe(0);
    expect(JSON.parse(load.stdout).reviewQueue).toBe(2);
    const page = await runEaiInProcess(['mdm', 'review', '--limit', '1', '--schema', queueSchema], {
      env: env(),
    });
    expect(page.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^0\.\d{3} {2}/),
      '1 of 2 pairs shown, the most probable first (--limit <n> for more)',
    ]);
    const whole = await runEaiInProcess(['mdm', 'review', '--schema', queueSchema], { env: env() });
    expect(whole.stdout.trim().split('\n')).toHaveLength(2);
    const none = await runEaiInProcess(['mdm', 'review', '--limit', '0', '--schema', queueSchema], {
      env: env(),
    });
    expect([none.code, none.stderr]).toEqual([1, 'eai: --limit must be a positive integer\n']);
  }, 120_000);

  it('searches the golden records as GET /customers?q= does: a name folded, a phone written another way', async () => {
    const queueSchema = `${schema}_queue`;
    const byName = await runEaiInProcess(['mdm', 'search', 'NUNEZ', '--json', '--schema', queueSchema], {
      env: env(),
    });
    expect(byName.code, byName.stderr).toBe(0);
    const found = JSON.parse(byName.stdout);
    expect(found.kind).toBe('name');
    expect(found.hits.map((h: { name: string }) => h.name)).toContain('José Núñez');
    // The words of a query need no quotes; a French number written with its trunk zero in brackets.
    const byPhone = await runEaiInProcess(
      ['mdm', 'search', '+33', '(0)6', '12', '34', '56', '78', '--schema', queueSchema],
      {
        env: env(),
      },
    );
    expect(byPhone.code, byPhone.stderr).toBe(0);
    expect(byPhone.stdout).toMatch(/^\d\.\d{3} {2}gc-[0-9a-f]{20} {2}François Çelik {2}\(mixed sap:2\)$/m);
    const none = await runEaiInProcess(['mdm', 'search', 'Zzyzx', '--schema', queueSchema], { env: env() });
    expect([none.code, none.stdout]).toEqual([0, 'no golden record found for "Zzyzx" (read as name)\n']);
    const short = await runEaiInProcess(['mdm', 'search', 'x', '--schema', queueSchema], { env: env() });
    expect([short.code, short.stderr]).toEqual([
      1,
      'eai: a search needs at least 2 characters: a name, email, phone or id\n',
    ]);
  }, 60_000);

  it('erases a golden customer and publishes its tombstones; an unknown or malformed golden id is one line', async () => {
    const unknown = await runEaiInProcess(['mdm', 'erase', 'gc-00000000000000000000', '--schema', schema], {
      env: env(),
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('eai: no golden customer gc-00000000000000000000\n');
    const malformed = await runEaiInProcess(['mdm', 'erase', 'nope', '--schema', schema], { env: env() });
    expect(malformed.stderr).toBe('eai: not a golden id: "nope" (gc- and 20 hex digits)\n');

    const csv = await runEaiInProcess(['mdm', 'export', '--xref', '--schema', schema], { env: env() });
    // The cross-reference is the only export, so also what `eai mdm export` prints without saying which.
    expect((await runEaiInProcess(['mdm', 'export', '--schema', schema], { env: env() })).stdout).toBe(
      csv.stdout,
    );
    const goldenId = csv.stdout.trim().split('\n')[1]?.split(',')[2] ?? '';
    const config = join(dir, 'erase.yaml');
    writeFileSync(config, `sync:\n  goldenTopic: mdm-cli-golden-${Date.now().toString(36)}\n`);
    const stack = testStack();
    const erased = await runEai(
      ['mdm', 'erase', goldenId, '--schema', schema, '--config', config, '--actor', 'dpo', '--json'],
      {
        env: { ...env(), KAFKA_BROKERS: stack.brokers, SCHEMA_REGISTRY_URL: stack.registryUrl },
        timeoutMs: 60_000,
      },
    );
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    const audit = JSON.parse(erased.stdout);
    expect(audit).toMatchObject({ goldenId, requestedBy: 'dpo', status: 'published', repeated: false });
    expect(audit.counts.sourceRecords).toBeGreaterThan(0);
    // The default config pushes to no system: each is left to erase by hand.
    for (const system of Object.values(audit.systems)) expect(system).toMatchObject({ status: 'no-sink' });
    const show = await runEaiInProcess(['mdm', 'show', goldenId, '--schema', schema], { env: env() });
    expect(show.stderr).toBe(
      `eai: golden record ${goldenId} was erased (${audit.erasureId}, right to be forgotten)\n`,
    );
  }, 120_000);

  it('loads what eai map prints (a JSON array of {schema, key, value}) as it loads JSON lines', async () => {
    const mapped = await runEaiInProcess(['map', 'formats/salesforce-cdc/fixtures/contact-events.jsonl'], {
      env: env(),
    });
    expect(mapped.code).toBe(0);
    const events = JSON.parse(mapped.stdout) as Array<{ schema: string; value: { changeType: string } }>;
    expect(events.length).toBeGreaterThan(1);
    const file = join(dir, 'mapped.json');
    writeFileSync(file, mapped.stdout);
    const run = await runEaiInProcess(
      ['mdm', 'load', 'salesforce', '--input', file, '--schema', `${schema}_array`, '--json'],
      {
        env: env(),
      },
    );
    const summary = JSON.parse(run.stdout);
    // Each value of the array stands for a line: the deleted contact (no data besides its id) is set aside by its
    // number, as a line would be; the others are loaded.
    expect(summary.lines).toBe(events.length);
    const deleted = events.findIndex((e) => e.value.changeType === 'DELETED');
    expect(summary.rejected).toEqual([
      { line: deleted + 1, reason: expect.stringMatching(/no customer data/) },
    ]);
    expect(summary.counts.new).toBe(events.length - 1);
    expect(run.code).toBe(2);
  });

  it('sets a bad line aside in a rejects file that loads once fixed, loads the rest, and exits 2', async () => {
    const file = join(dir, 'bad.jsonl');
    const [first, second] = records.filter((r) => r.system === 'sap');
    writeFileSync(
      file,
      `${JSON.stringify(first?.customer)}\n{"customerId": \n${JSON.stringify(second?.customer)}\n`,
    );
    const run = await runEaiInProcess(['mdm', 'load', 'sap', '--input', file, '--schema', schema, '--json'], {
      env: env(),
    });
    expect(run.code).toBe(2);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      lines: 3,
      rejected: [{ line: 2, reason: expect.stringMatching(/^not JSON/) }],
      rejectsFile: join(dir, 'bad.rejects.jsonl'),
    });
    expect(summary.counts.rejected).toBe(1);
    expect(summary.counts.new + summary.counts.merged + summary.counts.unchanged).toBe(2);
    expect(readFileSync(join(dir, 'bad.rejects.jsonl'), 'utf8')).toBe('{"customerId": \n');

    // --max-rejects 0: the first bad line stops the load, named by file and line, in one line.
    const strict = await runEaiInProcess(
      ['mdm', 'load', 'sap', '--input', file, '--schema', `${schema}_strict`, '--max-rejects', '0'],
      { env: env() },
    );
    expect(strict.code).toBe(1);
    expect(strict.stderr.trim().split('\n')).toHaveLength(1);
    expect(strict.stderr).toContain(`${file}:2: not JSON`);
  });

  it('sets aside a line the canonical Customer schema refuses, naming the field, its value and why, so no golden record holds it', async () => {
    const file = join(dir, 'invalid.jsonl');
    const [good] = records.filter((r) => r.system === 'sap');
    const person = { givenName: 'Zoë', familyName: 'Ng' };
    writeFileSync(
      file,
      [
        JSON.stringify(good?.customer),
        JSON.stringify({ customerId: 'sap:X1', partyType: 'ALIEN', person }),
        JSON.stringify({ customerId: 'sap:X2', partyType: 'PERSON', person, birthDate: '1990-02-30' }),
        // A misspelt field would be dropped unsaid, and the customer loaded without its email.
        JSON.stringify({
          customerId: 'sap:X3',
          partyType: 'PERSON',
          person,
          emial: [{ address: 'zoe@example.com' }],
        }),
        '',
      ].join('\n'),
    );
    const run = await runEaiInProcess(
      ['mdm', 'load', 'sap', '--input', file, '--schema', `${schema}_invalid`, '--json'],
      {
        env: env(),
      },
    );
    expect(run.code).toBe(2);
    const summary = JSON.parse(run.stdout);
    // Such a golden record could not be published: the golden sync would retry it for good and send nothing else.
    expect(summary.rejected).toEqual([
      // The refused field's value and why, as the formats' readers say it (not the whole line: it is set aside).
      {
        line: 2,
        reason:
          'not a canonical Customer: invalid field(s) partyType "ALIEN": expected one of ORGANIZATION, PERSON, UNKNOWN',
      },
      {
        line: 3,
        reason: 'not a canonical Customer: invalid field(s) birthDate "1990-02-30": February has no day 30',
      },
      {
        line: 4,
        reason:
          "not a canonical Customer: unknown field(s) emial (a misspelt field, or a system's own export: map it to the canonical Customer first, e.g. eai map; fields without a place go in extensions)",
      },
    ]);
    expect(summary.counts).toMatchObject({ new: 1, rejected: 3 });
  });

  it('refuses a file that is not UTF-8, naming the line, before a record is written', async () => {
    const file = join(dir, 'kunden-1252.csv');
    // Excel's and many ERPs' CSV: Windows-1252, where ü is the byte 0xfc (read as UTF-8 it became U+FFFD).
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('Kundennummer;Typ;Vorname;Nachname\r\n'),
        Buffer.from('K1;Person;J\xfcrgen;M\xfcller\r\n', 'latin1'),
      ]),
    );
    const mapping = 'mappings/csv/customer-table.to-canonical.yaml';
    const target = `${schema}_1252`;
    const run = await runEaiInProcess(
      ['mdm', 'load', 'erp', '--input', file, '--mapping', mapping, '--schema', target],
      { env: env() },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `eai: ${file}:2: not UTF-8 (a Windows-1252 or Latin-1 export?): name its character set, e.g. --encoding windows-1252, or convert the file\n`,
    );
    const exported = await runEaiInProcess(['mdm', 'export', '--xref', '--schema', target], { env: env() });
    expect(exported.stdout).not.toContain('K1');
    // A reconcile reads such an export the same way: refused, not compared as mangled names.
    const reconciled = await runEaiInProcess(
      ['mdm', 'reconcile', 'erp', '--input', file, '--mapping', mapping, '--schema', target],
      { env: env() },
    );
    expect(reconciled.code).toBe(1);
    expect(reconciled.stderr).toBe(run.stderr);
    // Named, the character set is read as it is: the names as the ERP holds them.
    const named = ['--mapping', mapping, '--encoding', 'windows-1252', '--schema', target];
    const loaded = await runEaiInProcess(['mdm', 'load', 'erp', '--input', file, ...named, '--json'], {
      env: env(),
    });
    expect(loaded.code).toBe(0);
    expect(JSON.parse(loaded.stdout).counts).toMatchObject({ new: 1, rejected: 0 });
    const goldenId = (await runEaiInProcess(['mdm', 'export', '--schema', target], { env: env() })).stdout
      .trim()
      .split('\n')[1]
      ?.split(',')[2];
    const shown = await runEaiInProcess(['mdm', 'show', goldenId ?? '', '--json', '--schema', target], {
      env: env(),
    });
    expect(JSON.parse(shown.stdout).record.person).toMatchObject({
      givenName: 'Jürgen',
      familyName: 'Müller',
    });
    const clean = await runEaiInProcess(['mdm', 'reconcile', 'erp', '--input', file, ...named, '--json'], {
      env: env(),
    });
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout).counts).toEqual({
      same: 1,
      differs: 0,
      behind: 0,
      missing: 0,
      extra: 0,
      erased: 0,
    });
    // A row set aside goes to the rejects file in the input's character set, so it loads again the same way.
    const withBadRow = join(dir, 'kunden-1252-bad.csv');
    writeFileSync(
      withBadRow,
      Buffer.concat([
        Buffer.from('Kundennummer;Typ;Vorname;Nachname\r\n'),
        Buffer.from('K2;Person;J\xf6rg\r\nK3;Person;Bj\xf6rn;\xd8stergaard\r\n', 'latin1'),
      ]),
    );
    const partly = await runEaiInProcess(['mdm', 'load', 'erp', '--input', withBadRow, ...named, '--json'], {
      env: env(),
    });
    expect(JSON.parse(partly.stdout).counts).toMatchObject({ new: 1, rejected: 1 });
    expect(readFileSync(join(dir, 'kunden-1252-bad.rejects.csv'))).toEqual(
      Buffer.from('Kundennummer;Typ;Vorname;Nachname\nK2;Person;J\xf6rg\n', 'latin1'),
    );
    // A workbook saved as .xlsx (a ZIP) or .xls (OLE2) is no text in any character set: refused, saying how to export it.
    for (const [name, magic] of [
      ['kunden.xlsx', Buffer.from('504b0304140006000800', 'hex')],
      ['kunden.xls', Buffer.from('d0cf11e0a1b11ae10000', 'hex')],
    ] as const) {
      const workbook = join(dir, name);
      writeFileSync(workbook, Buffer.concat([magic, Buffer.from('Kundennummer;Typ\r\nK9;Person\r\n')]));
      for (const extra of [
        ['--mapping', mapping],
        ['--mapping', mapping, '--encoding', 'windows-1252'],
        [],
      ]) {
        const refused = await runEaiInProcess(
          ['mdm', 'load', 'erp', '--input', workbook, ...extra, '--schema', target],
          {
            env: env(),
          },
        );
        expect(refused.code).toBe(1);
        expect(refused.stderr).toBe(
          `eai: ${workbook}: a spreadsheet workbook (Excel .xlsx / .xls, or another ZIP or OLE file), not text: save it as "CSV UTF-8" and load that with --mapping\n`,
        );
      }
    }
    // An unknown character set, or one named for JSON lines, is refused before anything is read.
    const unknown = await runEaiInProcess(
      [
        'mdm',
        'load',
        'erp',
        '--input',
        file,
        '--mapping',
        mapping,
        '--encoding',
        'klingon',
        '--schema',
        target,
      ],
      { env: env() },
    );
    expect(unknown.stderr).toMatch(/^eai: --encoding: character set "klingon" is not known/);
    const lines = await runEaiInProcess(
      ['mdm', 'load', 'erp', '--input', 'x.jsonl', '--encoding', 'windows-1252', '--schema', target],
      { env: env() },
    );
    expect(lines.stderr).toBe(
      'eai: --encoding is for a CSV table read with --mapping: JSON lines are UTF-8\n',
    );
  });

  it('loads a CSV export through a column mapping: rows matched, the duplicate merged, a bad row named by line', async () => {
    const file = join(dir, 'kunden.csv');
    const header = 'Kundennummer;Typ;Name;E-Mail;Telefon;Strasse;PLZ;Ort;Land;Branche';
    writeFileSync(
      file,
      [
        header,
        '900001;Firma;"Müller Maschinenbau GmbH";einkauf@mueller-maschinenbau.de;+49 30 1234567;"Friedrichstraße 123";10117;Berlin;DE;Maschinenbau',
        '900002;Firma;"Mueller Maschinenbau";einkauf@mueller-maschinenbau.de;030 1234567;"Friedrichstr. 123";10117;Berlin;Deutschland;',
        '900003;Person;"";"";;"Am Markt 1";01067;Dresden;DE;',
        '',
      ].join('\r\n'),
    );
    const mapping = 'mappings/csv/customer-table.to-canonical.yaml';
    const run = await runEaiInProcess(
      ['mdm', 'load', 'erpcsv', '--input', file, '--mapping', mapping, '--schema', schema, '--json'],
      { env: env(), timeoutMs: 120_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ system: 'erpcsv', lines: 3, totalLines: 3 });
    expect(summary.counts.new).toBe(2);
    expect(summary.counts.merged).toBe(1);

    const xref = await runEaiInProcess(['mdm', 'export', '--xref', '--schema', schema], { env: env() });
    const golden = (id: string) =>
      xref.stdout
        .split('\n')
        .find((l) => l.startsWith(`erpcsv,${id},`))
        ?.split(',')[2];
    expect(golden('900001')).toMatch(/^gc-/);
    expect(golden('900002')).toBe(golden('900001'));
    expect(golden('900003')).not.toBe(golden('900001'));

    const withoutMapping = await runEaiInProcess(
      ['mdm', 'load', 'erpcsv', '--input', file, '--schema', schema],
      {
        env: env(),
      },
    );
    expect(withoutMapping.code).toBe(1);
    expect(withoutMapping.stderr).toContain('name the mapping of its columns with --mapping <file>');

    // A row the table cannot hold is set aside with the header, so the rejects file loads once fixed.
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `${header}\n900004;Firma;X GmbH\n900005;Firma;"Y AG";;;;;;DE;\n`);
    const setAside = await runEaiInProcess(
      ['mdm', 'load', 'erpcsv', '--input', bad, '--mapping', mapping, '--schema', schema],
      { env: env() },
    );
    expect(setAside.code).toBe(2);
    expect(setAside.stdout).toContain(`set aside           1 in ${join(dir, 'bad.rejects.csv')}`);
    expect(setAside.stdout).toContain('line 2: 3 cells where the header names 10 columns');
    expect(readFileSync(join(dir, 'bad.rejects.csv'), 'utf8')).toBe(`${header}\n900004;Firma;X GmbH\n`);
    expect(
      (await runEaiInProcess(['mdm', 'export', '--xref', '--schema', schema], { env: env() })).stdout,
    ).toContain('erpcsv,900005,');
    const refused = await runEaiInProcess(
      [
        'mdm',
        'load',
        'erpcsv',
        '--input',
        bad,
        '--mapping',
        mapping,
        '--schema',
        `${schema}_strict`,
        '--max-rejects',
        '0',
      ],
      { env: env() },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`eai: ${bad}:2: 3 cells where the header names 10 columns\n`);
  }, 120_000);

  it('sets a CSV row of only an id aside, naming its line and customer, instead of an empty golden record', async () => {
    const header = 'Kundennummer;Typ;Name;E-Mail;Telefon;Strasse;PLZ;Ort;Land;Branche';
    const file = join(dir, 'ids-only.csv');
    writeFileSync(file, `${header}\n900006;;;;;;;;;\n900007;Firma;"Z KG";;;;;;DE;\n`);
    const run = await runEaiInProcess(
      [
        'mdm',
        'load',
        'erpcsv',
        '--input',
        file,
        '--mapping',
        'mappings/csv/customer-table.to-canonical.yaml',
        '--schema',
        schema,
        '--json',
      ],
      { env: env(), timeoutMs: 120_000 },
    );
    expect(run.code).toBe(2);
    const summary = JSON.parse(run.stdout);
    expect(summary.rejected).toEqual([
      {
        line: 2,
        reason:
          'customer 900006: no customer data besides its id (no name, email, phone, address, tax id or birth date)',
      },
    ]);
    expect(readFileSync(join(dir, 'ids-only.rejects.csv'), 'utf8')).toBe(`${header}\n900006;;;;;;;;;\n`);
    const xref = (await runEaiInProcess(['mdm', 'export', '--xref', '--schema', schema], { env: env() }))
      .stdout;
    expect(xref).toContain('erpcsv,900007,');
    expect(xref).not.toContain('erpcsv,900006,');
  }, 120_000);

  it('a CSV whose columns the mapping does not read: one line naming them; once the table lists them, it loads', async () => {
    const file = join(dir, 'kunder.csv');
    writeFileSync(file, 'Kundenummer;Fornavn;Efternavn;Postnummer\n7001;Søren;Kierkegaard;1050\n');
    const load = (mapping: string) =>
      runEaiInProcess(
        ['mdm', 'load', 'dk', '--input', file, '--mapping', mapping, '--schema', schema, '--json'],
        {
          env: env(),
          timeoutMs: 120_000,
        },
      );
    const refused = await load('mappings/csv/customer-table.to-canonical.yaml');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).errors[0].message).toBe(
      `${file}: no row gives a customer: mappings/csv/customer-table.to-canonical.yaml reads none of its columns (Kundenummer, Fornavn, Efternavn, Postnummer); add their names to its columns table (lookups/customer-columns.yaml) or rename them`,
    );
    // A copy of the mapping with a columns table of its own that lists the Danish headers.
    const own = mkdtempSync(join(tmpdir(), 'eai-mdm-map-'));
    writeFileSync(
      join(own, 'customers.yaml'),
      readFileSync('mappings/csv/customer-table.to-canonical.yaml', 'utf8'),
    );
    mkdirSync(join(own, 'lookups'));
    writeFileSync(
      join(own, 'lookups', 'customer-columns.yaml'),
      'kundenummer: id\nfornavn: givenName\nefternavn: familyName\npostnummer: postalCode\n',
    );
    const loaded = await load(join(own, 'customers.yaml'));
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    expect(JSON.parse(loaded.stdout)).toMatchObject({ alreadyLoaded: false, lines: 1, counts: { new: 1 } });
    // The same file with the mapping changed is another load, not "loaded before": the record is read anew.
    writeFileSync(
      join(own, 'lookups', 'customer-columns.yaml'),
      'kundenummer: id\nfornavn: givenName\nefternavn: familyName\n',
    );
    const changed = await load(join(own, 'customers.yaml'));
    expect(JSON.parse(changed.stdout)).toMatchObject({
      alreadyLoaded: false,
      resumedFrom: 0,
      counts: { updated: 1 },
    });
    rmSync(own, { recursive: true, force: true });
  }, 180_000);

  it('reconciles a system export: differing fields, extra and missing records named; --repair applies it', async () => {
    const missing = join(dir, 'no-such-export.jsonl');
    const unread = await runEaiInProcess(
      ['mdm', 'reconcile', 'recon', '--input', missing, '--schema', schema],
      {
        env: env(),
      },
    );
    expect(unread.code).toBe(1);
    expect(unread.stderr).toBe(
      `eai: ${missing}: cannot read (ENOENT: no such file or directory, open '${missing}')\n`,
    );
    const customer = (id: string, name: string, email: string) => ({
      customerId: `recon:${id}`,
      sourceIds: [{ system: 'recon', id, idType: 'KUNNR' }],
      partyType: 'ORGANIZATION',
      organizationName: name,
      emails: [{ address: email, use: 'work', primary: true }],
      addresses: [
        { use: 'BILLING', lines: [`${name} Weg 1`], city: 'Köln', postalCode: '50667', countryCode: 'DE' },
      ],
    });
    const lines = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const loaded = join(dir, 'recon-loaded.jsonl');
    writeFileSync(
      loaded,
      lines([
        customer('R1', 'Rhein Logistik AG', 'info@rhein-logistik.example'),
        customer('R2', 'Dom Bau GmbH', 'kontakt@dombau.example'),
        customer('R3', 'Severin Feinkost KG', 'hallo@severin-feinkost.example'),
        customer('R5', 'Koelner Hafen GmbH', 'info@koelner-hafen.example'),
      ]),
    );
    const load = await runEaiInProcess(
      ['mdm', 'load', 'recon', '--input', loaded, '--schema', schema, '--json'],
      {
        env: env(),
        timeoutMs: 60_000,
      },
    );
    expect(load.code, load.stderr).toBe(0);
    // SAP holds R5's company too, spelt its way, and wins the name (source priority): R5 is behind, not changed.
    const sap = join(dir, 'recon-sap.jsonl');
    writeFileSync(
      sap,
      lines([
        {
          ...customer('R5', 'Kölner Hafen GmbH', 'info@koelner-hafen.example'),
          customerId: 'sap:0000500005',
          sourceIds: [{ system: 'sap', id: '0000500005' }],
        },
      ]),
    );
    const sapLoad = await runEaiInProcess(
      ['mdm', 'load', 'sap', '--input', sap, '--schema', schema, '--json'],
      {
        env: env(),
        timeoutMs: 60_000,
      },
    );
    expect(JSON.parse(sapLoad.stdout).counts.merged, sapLoad.stderr).toBe(1);

    // Today's export: R1's email changed, R2 gone, R4 new, R3 as it was.
    const exported = join(dir, 'recon-export.jsonl');
    writeFileSync(
      exported,
      lines([
        customer('R1', 'Rhein Logistik AG', 'einkauf@rhein-logistik.example'),
        customer('R3', 'Severin Feinkost KG', 'hallo@severin-feinkost.example'),
        customer('R4', 'Kölsch Kontor eG', 'post@koelsch-kontor.example'),
        customer('R5', 'Koelner Hafen GmbH', 'info@koelner-hafen.example'),
      ]),
    );
    const args = ['mdm', 'reconcile', 'recon', '--input', exported, '--schema', schema, '--json'];
    const reported = await runEaiInProcess(args, { env: env(), timeoutMs: 60_000 });
    // Drift found and not repaired: exit 2, so a nightly script can tell it from a clean run (0).
    expect(reported.code).toBe(2);
    const report = JSON.parse(reported.stdout);
    expect(report).toMatchObject({
      system: 'recon',
      records: 4,
      inXref: 4,
      counts: { same: 1, differs: 1, behind: 1, extra: 1, missing: 1 },
      repaired: null,
    });
    const byId = Object.fromEntries(report.drift.map((d: { sourceId: string }) => [d.sourceId, d]));
    expect(byId.R1).toMatchObject({
      kind: 'differs',
      fields: ['emails'],
      goldenId: expect.stringMatching(/^gc-/),
    });
    expect(byId.R2).toMatchObject({ kind: 'missing' });
    expect(byId.R4).toMatchObject({ kind: 'extra', goldenId: null });
    expect(byId.R5).toMatchObject({ kind: 'behind', fields: ['organizationName'] });

    const table = await runEaiInProcess(
      args.filter((a) => a !== '--json'),
      { env: env(), timeoutMs: 60_000 },
    );
    expect(table.stdout).toMatch(/differs\s+R1\s+gc-\S+\s+emails/);
    expect(table.stdout).toContain('run again with --repair');
    // Nothing pushes to this system: "the sync relay sends them" would promise what no config does.
    expect(table.stdout).toMatch(
      /behind\s+1\s+\(.*the hub does not push to recon: set sync\.systems\.recon\.push in the master data config/,
    );

    const repaired = JSON.parse(
      (await runEaiInProcess([...args, '--repair'], { env: env(), timeoutMs: 60_000 })).stdout,
    );
    expect(repaired.repaired).toEqual({ updated: 2, deleted: 1 });
    const after = JSON.parse((await runEaiInProcess(args, { env: env(), timeoutMs: 60_000 })).stdout);
    // R5 is still behind: applying the export changes nothing there; the sync relay sends SAP's name to it.
    expect(after.counts).toEqual({ same: 3, differs: 0, behind: 1, extra: 0, missing: 0, erased: 0 });
  }, 180_000);

  it('reconciles an export that still holds a customer erased in the hub: erased, erase it there, no repair promised', async () => {
    const erasedSchema = `${schema}_erased`;
    const store = new MasterDataStore({
      databaseUrl: testStack().databaseUrl,
      schema: erasedSchema,
      config: parseMdmConfig({}),
    });
    await store.migrate();
    const person = {
      customerId: 'crm:K-7',
      sourceIds: [{ system: 'crm', id: 'K-7' }],
      partyType: 'PERSON',
      person: { givenName: 'Jana', familyName: 'Vogt' },
      emails: [{ address: 'jana.vogt@example.de' }],
    } as const;
    try {
      await store.upsertBatch([{ system: 'crm', customer: person as never }]);
      await eraseCustomer(store, { record: { system: 'crm', sourceId: 'K-7' }, requestedBy: 'dpo' });
    } finally {
      await store.close();
    }
    const file = join(dir, 'crm-erased.jsonl');
    writeFileSync(file, `${JSON.stringify(person)}\n`);
    const args = ['mdm', 'reconcile', 'crm', '--input', file, '--schema', erasedSchema];
    const text = await runEaiInProcess(args, { env: env() });
    // Drift left (erased in the hub, still in the system): exit 2, as diff's non-zero on differences.
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toMatch(/^ {2}erased {4}1 {3}\(erased in the hub, still in the export: /m);
    expect(text.stdout).toMatch(/^ {2}extra {5}0 /m);
    expect(text.stdout).toMatch(/^erased {3}K-7 +- +erasure \S+$/m);
    expect(text.stdout).not.toContain('run again with --repair');
    expect(text.stdout.trim().split('\n').at(-1)).toBe(
      '1 erased in the hub, still in crm: erase it in crm by hand (no repair does), then reconcile again',
    );
  });

  it('shows the write-backs of a golden record in its history: when, to which system and record, which fields', async () => {
    const wbSchema = `${schema}_wb`;
    const store = new MasterDataStore({
      databaseUrl: testStack().databaseUrl,
      schema: wbSchema,
      config: parseMdmConfig({}),
    });
    await store.migrate();
    const person = {
      customerId: 'hubspot:101',
      sourceIds: [{ system: 'hubspot', id: '101' }],
      partyType: 'PERSON',
      person: { givenName: 'Ada', familyName: 'Lovelace' },
      phones: [{ number: '+442079469999' }],
    } as const;
    let goldenId = '';
    try {
      goldenId =
        (await store.upsertBatch([{ system: 'hubspot', customer: person as never }]))[0]?.goldenId ?? '';
      // As the relay records a write-back it published (masterdata/sync/writeback-bulk.int.spec.ts shows it does).
      await recordWriteBacks(store.pool, wbSchema, [
        { goldenId, system: 'hubspot', sourceId: '101', fields: ['phones'] },
      ]);
    } finally {
      await store.close();
    }
    const json = await runEaiInProcess(['mdm', 'show', goldenId, '--json', '--schema', wbSchema], {
      env: env(),
    });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).writeBacks).toEqual([
      { at: expect.any(String), goldenId, system: 'hubspot', sourceId: '101', fields: ['phones'] },
    ]);
    const text = await runEaiInProcess(['mdm', 'show', goldenId, '--schema', wbSchema], { env: env() });
    expect(text.stdout).toMatch(
      /^ {2}history \d{4}-\d\d-\d\dT\S+Z written back to hubspot 101: phones \(lost survivorship\)$/m,
    );
    // Field names only: the phone's value is the golden record's line, not the history's.
    expect(
      text.stdout.split('\n').filter((l) => l.includes('+442079469999') && l.includes('history')),
    ).toEqual([]);
  });

  it('says what to do when there is no database', async () => {
    const run = await runEai(['mdm', 'export', '--xref'], {
      env: { DATABASE_URL: 'postgres://postgres:x@127.0.0.1:1/none' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^eai: cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/none/,
    );
  });

  it('a CSV with a bad row in the middle: the other rows load and that row alone is set aside; a header without an id column stops at once', async () => {
    const target = `${schema}_rows`;
    const mapping = 'mappings/csv/customer-table.to-canonical.yaml';
    const header = 'Customer ID,Name,Email,Country,Created At';
    const bad = 'R3,Baltic Amber Oy,sales@amber.example,FI,2024-01-15T25:99';
    const file = join(dir, 'report.csv');
    writeFileSync(
      file,
      `${[
        header,
        'R1,Acme Widgets Inc,orders@acme.example,US,2024-01-15',
        'R2,Nordwind Handel GmbH,info@nordwind.example,DE,2024-02-01',
        bad,
        'R4,Cafe Lisboa Lda,ola@lisboa.example,PT,2024-03-01',
        'R5,Tokyo Tools KK,hello@tokyo-tools.example,JP,2024-04-01',
      ].join('\n')}\n`,
    );
    const run = await runEaiInProcess(
      ['mdm', 'load', 'erp', '--input', file, '--mapping', mapping, '--schema', target, '--json'],
      { env: env() },
    );
    expect(run.code, run.stderr).toBe(2);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      lines: 5,
      totalLines: 5,
      rejected: [
        {
          line: 4,
          reason: expect.stringMatching(
            /occurredAt: \$timestamp: "2024-01-15 25:99" is not a valid date and time/,
          ),
        },
      ],
      rejectsFile: join(dir, 'report.rejects.csv'),
    });
    const { rejected, ...outcomes } = summary.counts as Record<string, number>;
    expect(rejected).toBe(1);
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(4);
    expect(readFileSync(join(dir, 'report.rejects.csv'), 'utf8')).toBe(`${header}\n${bad}\n`);

    // A header without a column for the id: every row would be the customer "erp:"; one line, nothing loaded.
    const noId = join(dir, 'no-id.csv');
    writeFileSync(noId, 'Cust No,Name,Email\nR9,Firm Nine,r9@example.com\n');
    const refused = await runEaiInProcess(
      ['mdm', 'load', 'erp', '--input', noId, '--mapping', mapping, '--schema', target],
      { env: env() },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^eai: .*no-id\.csv: line 1: the header has no column for "id" \(the columns table .*\); closest header names: "Cust No", .*: rename the column, or add its name to the table\n$/,
    );
    const exported = await runEaiInProcess(['mdm', 'export', '--xref', '--schema', target], { env: env() });
    expect(exported.stdout).not.toContain('R9');
  });
});

describe('eai mdm on a schema a hub runs', () => {
  it('matches by the config the hub saved there, not the defaults; --config overrides it', async () => {
    const hubSchema = `${schema}_hub`;
    // As the hub's master data role starts: the store migrated, its config saved (here: nothing merges by score).
    const hub = new MasterDataStore({
      databaseUrl: testStack().databaseUrl,
      schema: hubSchema,
      config: parseMdmConfig({ thresholds: { autoMerge: 0.999999, review: 0.999998 } }),
    });
    await hub.migrate();
    await hub.saveConfig();
    await hub.close();
    // The same person as another system holds her: another email, an old address; the defaults (autoMerge 0.99,
    // review 0.6) merge or queue her, the hub's thresholds keep her apart.
    const person = (id: string, moved = false) => ({
      customerId: `crm:${id}`,
      sourceIds: [{ system: 'crm', id, idType: 'contact' }],
      partyType: 'PERSON',
      person: { givenName: 'Henrike', familyName: 'Oberländer' },
      birthDate: '1979-05-17',
      emails: [{ address: moved ? 'h.o@example.net' : 'henrike.oberlaender@example.org', primary: true }],
      phones: [],
      addresses: [
        moved
          ? {
              use: 'MAILING',
              lines: ['Am Markt 2'],
              city: 'Göttingen',
              postalCode: '37073',
              countryCode: 'DE',
            }
          : {
              use: 'MAILING',
              lines: ['Lindenweg 4'],
              city: 'Kassel',
              postalCode: '34117',
              countryCode: 'DE',
            },
      ],
    });
    const load = async (system: string, id: string, moved: boolean, extra: string[] = []) => {
      const file = join(dir, `hub-${system}.jsonl`);
      writeFileSync(file, `${JSON.stringify(person(id, moved))}\n`);
      const run = await runEaiInProcess(
        ['mdm', 'load', system, '--input', file, '--schema', hubSchema, '--json', ...extra],
        { env: env(), timeoutMs: 60_000 },
      );
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout).counts as { new: number; merged: number; review: number };
    };
    await load('crm', 'h-1', false);
    expect(await load('erp', 'h-2', true)).toMatchObject({ new: 1, merged: 0, review: 0 });
    const defaults = join(dir, 'defaults.yaml');
    writeFileSync(defaults, 'thresholds: {}\n');
    expect(await load('shop', 'h-3', true, ['--config', defaults])).toMatchObject({ new: 0 });
  });

  it('rematch applies the rules the hub runs now to the records it matched before', async () => {
    const hubSchema = `${schema}_hub`;
    const xref = async () => {
      const run = await runEaiInProcess(['mdm', 'export', '--schema', hubSchema, '--json'], { env: env() });
      return new Map(
        run.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { system: string; sourceId: string; goldenId: string })
          // Her records' ids end in h-1, h-2 (the other systems name the crm id: erp/crm:h-2).
          .map((x) => [x.sourceId.replace(/^.*:/, ''), x.goldenId]),
      );
    };
    const before = await xref();
    expect(before.get('h-1')).toBeDefined();
    expect(before.get('h-1')).not.toBe(before.get('h-2'));
    // The hub restarted with lower thresholds (the steward queue's pair of her is merged now): it saves them; its
    // stored records were matched by the old ones.
    const hub = new MasterDataStore({
      databaseUrl: testStack().databaseUrl,
      schema: hubSchema,
      config: parseMdmConfig({ thresholds: { autoMerge: 0.6, review: 0.5 } }),
    });
    await hub.migrate();
    await hub.saveConfig();
    await hub.close();
    const run = await runEai(['mdm', 'rematch', '--schema', hubSchema, '--json'], {
      env: env(),
      timeoutMs: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ records: 3, total: 3, alreadyApplied: false, resumedFrom: 0 });
    expect(summary).toMatchObject({ merges: 1, absorbed: 1, splits: 0 });
    expect(summary.golden.after).toBeLessThan(summary.golden.before);
    const after = await xref();
    expect(after.get('h-1')).toBe(after.get('h-2'));
    const again = await runEaiInProcess(['mdm', 'rematch', '--schema', hubSchema], {
      env: env(),
      timeoutMs: 60_000,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^these rules \(\w+\) were applied to every record before, nothing done; --again/,
    );
    // Three records teach no model: one line saying what to do, no stack trace.
    const train = await runEaiInProcess(['mdm', 'train', '--schema', hubSchema], {
      env: env(),
      timeoutMs: 60_000,
    });
    expect(train.code).toBe(1);
    expect(train.stderr).toMatch(
      /^training on schema \S+…\neai: too few records to train on \(3 in schema \S+, at least 100\): load more first, or train from labels \(--labels\)\n$/,
    );
  });
});
