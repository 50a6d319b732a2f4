import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { mappingsDir } from '../../mappings/index.ts';
import { builtinPlugins } from '../index.ts';
import { checkDeployment, loadDeployment, pluginConfig, validateDefinition } from './definition.ts';

/**
 * A deployment file is checked whole at start: a misspelt option of the plugin's own `config` is refused with the
 * file and the field, as one of the definition's common fields is, never dropped (a `patern:` ignored takes every
 * file of the folder, a `readymarker:` ignored reads files before their sender finished them).
 */
const dir = mkdtempSync(join(tmpdir(), 'eai-definition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plugins = new Map(builtinPlugins.map((p) => [p.type, p]));

function deployment(name: string, yaml: string): string {
  const folder = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(folder, `${name}.yaml`), `name: ${name}\n${yaml}`);
  return folder;
}

describe('a deployment file with an option its connector type does not have', () => {
  it('refuses a misspelt config option, naming the file and the field', () => {
    const folder = deployment('typo', 'type: file-source\nconfig:\n  dir: in\n  patern: "*.xml"\n');
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /typo\.yaml: config\.patern: not an option of file-source/,
    );
  });

  it('refuses one inside a nested option (a signature), naming its path', () => {
    const folder = deployment(
      'nested',
      'type: webhook-source\nformat: x12-856\nconfig:\n  signature: { scheme: hmac-sha256, secret: s, prefx: "sha256=" }\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /nested\.yaml: config\.signature\.prefx: not an option of webhook-source/,
    );
  });

  it('names the option likely meant, at the root, in config and inside a signature; none for a word far from all', () => {
    const folder = deployment(
      'meant',
      'type: webhook-source\nformat: x12-856\nmaping: edi/x12-856.to-canonical.yaml\nconfig:\n  signature: { scheme: hmac-sha256, secret: s }\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      'meant.yaml: maping: unknown key; did you mean "mapping"?',
    );
    const options = deployment(
      'options',
      'type: webhook-source\nformat: x12-856\nconfig:\n  signature: { scheme: hmac-sha256, secret: s, heder: X-Sig }\n  maxBodybytes: 10\n  colour: red\n',
    );
    expect(() => loadDeployment(options, plugins)).toThrow(
      [
        'config.signature.heder: not an option of webhook-source; did you mean "header"? (docs/connectors.md)',
        'config.maxBodybytes: not an option of webhook-source; did you mean "maxBodyBytes"? (docs/connectors.md)',
        'config.colour: not an option of webhook-source (docs/connectors.md)',
      ].join('; '),
    );
  });

  it("names a misspelt option beside wrong values, and the plugin's options beside a wrong common field", () => {
    // A typo was named only when nothing else was wrong: fixing the values then met a new error.
    const folder = deployment(
      'all-at-once',
      'type: file-source\nformat: x12-850\nconfig:\n  dir: ./in\n  split: x13\n  stableMs: -5\n  bogusOption: 1\n  stablems: 3\n',
    );
    let message = '';
    try {
      loadDeployment(folder, plugins);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/all-at-once\.yaml: config\.stableMs: .*; config\.split: .*/);
    expect(message).toContain(
      'config.bogusOption: not an option of file-source (docs/connectors.md); config.stablems: not an option of file-source; did you mean "stableMs"?',
    );
    expect(
      (() => {
        try {
          validateDefinition(
            { name: 'Bad Name', type: 'file-source', format: 'x12-85O', config: { dir: 'in', patern: '*' } },
            plugins,
            'body',
            dir,
          );
        } catch (error) {
          return (error as ConfigError).fields.map((f) => f.field);
        }
      })(),
    ).toEqual(['name', 'format', 'config.patern']);
    expect(() =>
      validateDefinition(
        { name: 'two', type: 'file-source', format: 'x12-85O', mapping: 'nope.yaml', config: { dir: 'in' } },
        plugins,
        'body',
        dir,
      ),
    ).toThrow(/^body: format: unknown format "x12-85O".*; mapping: mapping "nope\.yaml" not found/);
  });

  it('takes a file whose options are all known, defaults filled in', () => {
    const folder = deployment(
      'fine',
      'type: webhook-source\nformat: x12-856\nconfig:\n  signature: { scheme: hmac-sha256, secret: s, header: X-Sig }\n  json: false\n',
    );
    expect(loadDeployment(folder, plugins)).toMatchObject([{ name: 'fine', type: 'webhook-source' }]);
  });
});

/**
 * The folder path checks what the API path checks: a misspelt mapping or format stops `eai up --deploy` naming the
 * file and the field. The hub used to start with it, and every document went to dlq.mapping ("mapping … not
 * found") or was read with no reader at all.
 */
describe('a deployment file naming a mapping or a format that does not exist', () => {
  it('refuses a time zone that does not exist, naming the file and the field; takes an IANA one', () => {
    const folder = deployment(
      'zoned',
      'type: file-source\nformat: x12-850\ntimeZone: Europe/Berln\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      'zoned.yaml: timeZone: not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)',
    );
    const good = deployment(
      'berlin',
      'type: file-source\nformat: x12-850\ntimeZone: Europe/Berlin\nconfig:\n  dir: in\n',
    );
    expect(loadDeployment(good, plugins)[0]!.timeZone).toBe('Europe/Berlin');
  });

  it('refuses a misspelt mapping, naming the file and the field', () => {
    const folder = deployment(
      'mapping',
      'type: file-source\nformat: x12-850\nmapping: edi/x12-850.to-canonicl.yaml\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /mapping\.yaml: mapping: mapping "edi\/x12-850\.to-canonicl\.yaml" not found/,
    );
  });

  it("refuses a sender's mapping that does not exist, naming the sender", () => {
    const folder = deployment(
      'sender',
      'type: file-source\nformat: x12-850\nmappingsBySender:\n  ACME: partners/acme.yaml\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /sender\.yaml: mappingsBySender\.ACME: mapping "partners\/acme\.yaml" not found/,
    );
  });

  it('names the other wrong files of the folder beside the first one, and the command that lists all', () => {
    // Seen in the ops trial: `eai up --deploy` on a folder of three wrong files named the first alone, so each start
    // met the next one.
    const folder = mkdtempSync(join(dir, 'several-'));
    writeFileSync(
      join(folder, 'a.yaml'),
      'name: a\ntype: file-source\nformat: x12-86O\nconfig:\n  dir: in\n',
    );
    writeFileSync(join(folder, 'b.yaml'), 'name: b\ntype: file-sorce\nconfig:\n  dir: in\n');
    writeFileSync(join(folder, 'c.yaml'), 'name: c\ntype: file-source\nconfig:\n\tdir: in\n');
    writeFileSync(
      join(folder, 'd.yaml'),
      'name: d\ntype: file-source\nformat: x12-850\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      new RegExp(
        `a\\.yaml: format: unknown format "x12-86O"; did you mean "x12-850"\\? known: .* \\(and 2 more files with problems: ${folder}/b\\.yaml, ${folder}/c\\.yaml; npx eai connectors validate ${folder} names every problem\\)$`,
      ),
    );
  });

  it('says where YAML indented with a tab is, as one sentence', () => {
    const folder = mkdtempSync(join(dir, 'tabs-'));
    writeFileSync(join(folder, 'tabs.yaml'), 'name: tabs\ntype: file-source\nconfig:\n\tdir: in\n');
    expect(checkDeployment(folder, plugins)[0]!.errors).toEqual([
      { field: '', problem: 'not readable YAML: Tabs are not allowed as indentation at line 4, column 1' },
    ]);
  });

  it('says a file that is empty, only comments, or a list holds no definition, not "(root): expected object, received null"', () => {
    const folder = mkdtempSync(join(dir, 'empty-'));
    writeFileSync(join(folder, 'a-empty.yaml'), '');
    writeFileSync(join(folder, 'b-comments.yaml'), '# the SAP connector, to come\n');
    writeFileSync(join(folder, 'c-list.yaml'), '- name: c\n  type: file-sink\n');
    // An X12 order named .yaml by mistake: YAML reads it as one string.
    writeFileSync(join(folder, 'd-order.yaml'), 'ISA*00*          *00*          *ZZ*SENDER~GS*PO~\n');
    const checks = checkDeployment(folder, plugins);
    const what = 'one YAML mapping with name, type and config (docs/connectors.md)';
    expect(checks.map((c) => c.errors)).toEqual([
      [{ field: '', problem: `is empty or only comments: a connector file holds ${what}` }],
      [{ field: '', problem: `is empty or only comments: a connector file holds ${what}` }],
      [{ field: '', problem: `is a list: a connector file holds ${what}` }],
      [
        {
          field: '',
          problem: `is not a connector file (YAML reads it as one string): a connector file holds ${what}`,
        },
      ],
    ]);
    expect(checks[0]!.message).toMatch(
      /a-empty\.yaml: is empty or only comments: a connector file holds one YAML mapping/,
    );
  });

  it("refuses an output topic keyed by anything but a canonical schema's full name, and one on a sink", () => {
    // Seen in the ops trial: `outputTopics: { SalesOrderEvent: ops.sales-order }` was taken, matched no record, and
    // the source's orders went to canonical.sales-order, which other sessions read.
    const folder = deployment(
      'output-keys',
      'type: file-source\nformat: x12-850\noutputTopics:\n  SalesOrderEvent: ops.orders\n  eai.canonical.SalesOrderEvents: ops.orders\n  eai.canonical.CustomerEvent: ops.customers\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      [
        'outputTopics["SalesOrderEvent"]: name the schema by its full name: "eai.canonical.SalesOrderEvent"',
        'outputTopics["eai.canonical.SalesOrderEvents"]: not a canonical schema\'s full name; known: eai.canonical.CustomerEvent, eai.canonical.SalesOrderEvent, eai.canonical.ShipmentEvent, eai.canonical.CaseEvent',
      ].join('; '),
    );
    const sink = deployment(
      'output-sink',
      'type: http-sink\ntopics: [canonical.customer]\noutputTopics:\n  eai.canonical.CustomerEvent: ops.customers\nconfig:\n  baseUrl: http://127.0.0.1:9\n',
    );
    expect(() => loadDeployment(sink, plugins)).toThrow(
      'output-sink.yaml: outputTopics: only a source publishes records; a sink (http-sink) reads the topics named in topics',
    );
  });

  it("says a sink's topics are a list when one topic is written alone", () => {
    const folder = deployment(
      'one-topic',
      'type: http-sink\ntopics: canonical.customer\nconfig:\n  baseUrl: http://127.0.0.1:9\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      'one-topic.yaml: topics: a list of topics, e.g. [canonical.customer] for one',
    );
  });

  it('refuses an unknown format, naming the file and listing the known ones', () => {
    const folder = deployment('format', 'type: file-source\nformat: x12-85O\nconfig:\n  dir: in\n');
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /format\.yaml: format: unknown format "x12-85O"; did you mean "x12-850"\? known: .*x12-850/,
    );
  });

  it('takes a shipped mapping by its path under mappings/', () => {
    const folder = deployment(
      'shipped',
      'type: file-source\nformat: x12-850\nmapping: edi/x12-850.to-canonical.yaml\nconfig:\n  dir: in\n',
    );
    expect(loadDeployment(folder, plugins)).toMatchObject([{ mapping: 'edi/x12-850.to-canonical.yaml' }]);
  });
});

describe('a deployment file naming a mapping of another format than its documents', () => {
  it('refuses it, in mapping and in mappingsBySender, instead of mapping every document with the shipped one', () => {
    const named = deployment(
      'asn-as-orders',
      'type: file-source\nformat: x12-850\nmapping: edi/x12-856.to-canonical.yaml\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(named, plugins)).toThrow(
      /asn-as-orders\.yaml: mapping: "edi\/x12-856\.to-canonical\.yaml" reads x12-856, and this connector's documents are x12-850/,
    );
    const bySender = deployment(
      'by-sender',
      'type: file-source\nformat: x12-850\nmapping: edi/x12-850.to-canonical.yaml\nmappingsBySender:\n  ACME: edi/edifact-orders.to-canonical.yaml\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(bySender, plugins)).toThrow(
      /mappingsBySender\.ACME: "edi\/edifact-orders\.to-canonical\.yaml" reads edifact-orders, and this connector's documents are x12-850/,
    );
  });
});

describe('a mappingsBySender key written with the padding of an ISA06', () => {
  it('is refused, saying the id to write, since the trimmed sender never matches it', () => {
    const padded = deployment(
      'padded-sender',
      'type: file-source\nformat: x12-850\nmapping: edi/x12-850.to-canonical.yaml\nmappingsBySender:\n  "ACME           ": edi/x12-850.to-canonical.yaml\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(padded, plugins)).toThrow(
      /mappingsBySender\.ACME {11}: senders are matched without spaces around them \(ISA06 without its padding\): write "ACME"/,
    );
  });
});

describe('a deployment file naming a mapping of the wrong direction', () => {
  it('refuses a from-canonical mapping for a source and a to-canonical one for a sink, naming the field', () => {
    const source = deployment(
      'source-dir',
      'type: file-source\nformat: x12-850\nmapping: sap/ordrsp.from-canonical.yaml\nconfig:\n  dir: in\n',
    );
    expect(() => loadDeployment(source, plugins)).toThrow(
      /source-dir\.yaml: mapping: "sap\/ordrsp\.from-canonical\.yaml" maps from-canonical, and a source \(file-source\) needs a to-canonical mapping/,
    );
    const sink = deployment(
      'sink-dir',
      'type: sap-ordrsp-file-sink\nmapping: sap/idoc-orders05.to-canonical.yaml\nconfig:\n  dir: out\n',
    );
    expect(() => loadDeployment(sink, plugins)).toThrow(
      /sink-dir\.yaml: mapping: .* maps to-canonical, and a sink \(sap-ordrsp-file-sink\) needs a from-canonical mapping/,
    );
  });

  it('refuses a file-sink without a mapping, naming the field', () => {
    const sink = deployment(
      'no-mapping',
      'type: file-sink\ntopics: [canonical.customer]\nconfig:\n  dir: out\n',
    );
    expect(() => loadDeployment(sink, plugins)).toThrow(
      /no-mapping\.yaml: mapping: required for file-sink: the from-canonical mapping that says what it writes/,
    );
    const named = deployment(
      'csv-out',
      'type: file-sink\ntopics: [canonical.customer]\nmapping: csv/customer-table.from-canonical.yaml\nconfig:\n  dir: out\n',
    );
    expect(loadDeployment(named, plugins)).toMatchObject([{ name: 'csv-out', type: 'file-sink' }]);
  });

  it("refuses a sink's mapping that writes a format without a writer, naming the field and the formats that have one", () => {
    const mapping = join(mappingsDir, 'engine/testdata/writers/customer.xml.from-canonical.yaml');
    const sink = deployment(
      'no-writer',
      `type: sap-ordrsp-file-sink\nmapping: ${mapping}\nconfig:\n  dir: out\n`,
    );
    expect(() => loadDeployment(sink, plugins)).toThrow(
      /no-writer\.yaml: mapping: ".*customer\.xml\.from-canonical\.yaml" writes format xml, which has no writer; formats with writers: .*json/,
    );
  });
});

describe("a sink's retryTimeoutMs", () => {
  const sink = (retryTimeoutMs: unknown) => ({
    name: 'api',
    type: 'http-sink',
    topics: ['canonical.customer'],
    retryTimeoutMs,
    config: { baseUrl: 'http://127.0.0.1:1' },
  });
  const problems = (raw: unknown) => {
    try {
      validateDefinition(raw, plugins, 'body', dir);
    } catch (error) {
      if (error instanceof ConfigError) return error.fields;
      throw error;
    }
    return [];
  };

  it('takes -1 and milliseconds; a wrong value is told the unit and what -1 means', () => {
    expect(problems(sink(-1))).toEqual([]);
    expect(problems(sink(600_000))).toEqual([]);
    for (const wrong of [-5, 1.5, '10m', '60000'])
      expect(problems(sink(wrong))).toEqual([
        {
          field: 'retryTimeoutMs',
          problem:
            'milliseconds, a whole number (600000: ten minutes), or -1 to retry until the record is applied',
        },
      ]);
  });

  it('is refused on a source, which has no record writes to retry, instead of being ignored', () => {
    const source = {
      name: 'api',
      type: 'webhook-source',
      format: 'hubspot-contact',
      retryTimeoutMs: 60_000,
      config: { signature: { scheme: 'none' } },
    };
    expect(problems(source)).toEqual([
      { field: 'retryTimeoutMs', problem: expect.stringMatching(/^only a sink retries a record's write/) },
    ]);
  });
});

describe("a sink's startAt", () => {
  const problems = (raw: unknown) => {
    try {
      validateDefinition(raw, plugins, 'body', dir);
    } catch (error) {
      if (error instanceof ConfigError) return error.fields;
      throw error;
    }
    return [];
  };

  it('takes earliest or latest on a sink, and says so to another value', () => {
    const sink = (startAt: unknown) => ({
      name: 'api',
      type: 'http-sink',
      topics: ['canonical.customer'],
      startAt,
      config: { baseUrl: 'http://127.0.0.1:1' },
    });
    expect(problems(sink('earliest'))).toEqual([]);
    expect(problems(sink('latest'))).toEqual([]);
    expect(problems(sink('end'))).toEqual([{ field: 'startAt', problem: 'earliest or latest' }]);
  });

  it('is refused on a source, which goes on from its own positions, instead of being ignored', () => {
    const source = {
      name: 'api',
      type: 'webhook-source',
      format: 'hubspot-contact',
      startAt: 'latest',
      config: { signature: { scheme: 'none' } },
    };
    expect(problems(source)).toEqual([
      { field: 'startAt', problem: expect.stringMatching(/^only a sink starts on topics/) },
    ]);
  });
});

describe('a definition refused over the API', () => {
  function refusal(raw: unknown): ConfigError {
    try {
      validateDefinition(raw, plugins, 'body', dir);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('accepted');
  }

  it('lists each wrong field with its path from the body, beside the one-line message', () => {
    const error = refusal({ name: 'api', type: 'file-source', config: { dir: 7, batchSize: 0 } });
    expect(error.message).toMatch(/^body: config\.dir: .*; config\.batchSize: /);
    expect(error.fields.map((f) => f.field)).toEqual(['config.dir', 'config.batchSize']);
    expect(error.fields.every((f) => f.problem.length > 0 && !f.problem.startsWith('config'))).toBe(true);
  });

  it('names an unknown option, the type and a common field the same way', () => {
    expect(refusal({ name: 'api', type: 'file-source', config: { dir: 'in', patern: '*' } }).fields).toEqual([
      {
        field: 'config.patern',
        problem: expect.stringMatching(/^not an option of file-source; did you mean/),
      },
    ]);
    expect(refusal({ name: 'api', type: 'no-such-type' }).fields).toEqual([
      { field: 'type', problem: expect.stringMatching(/^unknown connector type "no-such-type"/) },
    ]);
    expect(
      refusal({ name: 'api', type: 'file-source', format: 'nope', config: { dir: 'in' } }).fields,
    ).toEqual([{ field: 'format', problem: expect.stringMatching(/^unknown format "nope"/) }]);
  });

  it('a misspelt common key hides neither an unknown type nor an unknown format; each names the likeliest meant', () => {
    expect(
      refusal({ name: 'api', type: 'file-snk', startat: 'latest', config: { dir: 'in' } }).fields,
    ).toEqual([
      { field: 'startat', problem: 'unknown key; did you mean "startAt"?' },
      {
        field: 'type',
        problem: expect.stringMatching(
          /^unknown connector type "file-snk"; did you mean "file-sink"\? known: /,
        ),
      },
    ]);
    expect(
      refusal({
        name: 'api',
        type: 'file-source',
        format: 'sap-idoc-orders5',
        startat: 'latest',
        config: { dir: 'in' },
      }).fields,
    ).toEqual([
      { field: 'startat', problem: 'unknown key; did you mean "startAt"?' },
      {
        field: 'format',
        problem: expect.stringMatching(
          /^unknown format "sap-idoc-orders5"; did you mean "sap-idoc-orders05"\? known: /,
        ),
      },
    ]);
    expect(refusal({ name: 'api', type: 'file-snk', format: 'x12-85O' }).fields.map((f) => f.field)).toEqual([
      'type',
      'format',
    ]);
  });
});

describe('a secret sent in an HTTP header', () => {
  // Seen in the ops trial: an http-sink's authHeader.value from a ${file:…} of two lines was taken at deployment; each
  // request then failed with fetch's 'Headers.set: "Bearer <the secret>" is an invalid header value', retried for
  // ever, the secret whole in the logs and in the status a viewer reads.
  const sink = (config: Record<string, unknown>) => ({
    name: 'api',
    type: 'http-sink',
    topics: ['canonical.customer'],
    config: { baseUrl: 'http://127.0.0.1:1', ...config },
  });
  const refusal = (raw: unknown) => {
    try {
      validateDefinition(raw, plugins, 'body', dir);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    return undefined;
  };

  it('refuses a value of two lines, naming the field and never the value', () => {
    const file = join(dir, 'two-lines.secret');
    writeFileSync(file, 'tok-part-one\ntok-part-two\n');
    const error = refusal(sink({ authHeader: { name: 'Authorization', value: `Bearer \${file:${file}}` } }));
    expect(error?.fields).toEqual([
      { field: 'config.authHeader.value', problem: expect.stringMatching(/^holds a line break/) },
    ]);
    expect(error?.message).not.toContain('tok-part');
  });

  it('refuses a character no header carries and a header name with a space; takes one trailing newline dropped', () => {
    expect(refusal(sink({ authHeader: { name: 'X-Api-Key', value: 'k\u4e2d' } }))?.fields[0]?.field).toBe(
      'config.authHeader.value',
    );
    expect(refusal(sink({ authHeader: { name: 'X Api Key', value: 'k' } }))?.fields[0]?.field).toBe(
      'config.authHeader.name',
    );
    const file = join(dir, 'one-line.secret');
    writeFileSync(file, 'tok-one-line\n');
    expect(refusal(sink({ authHeader: { name: 'X-Api-Key', value: `\${file:${file}}` } }))).toBeUndefined();
  });

  it("refuses a HubSpot access token of two lines as the sink's field", () => {
    const error = refusal({
      name: 'hs',
      type: 'hubspot-upsert-sink',
      mapping: 'hubspot/batch-upsert.from-canonical.yaml',
      topics: ['mdm.customer-sync.hubspot'],
      config: { accessToken: 'pat-na1-x\npat-na1-y' },
    });
    expect(error?.fields.map((f) => f.field)).toEqual(['config.accessToken']);
    expect(error?.message).not.toContain('pat-na1');
  });
});

describe('a secret of nothing but whitespace', () => {
  const hook = (secret: string) =>
    `type: webhook-source\nformat: x12-856\nconfig:\n  signature: { scheme: hmac-sha256, secret: ${secret} }\n`;
  const variable = ['$', '{env:EAI_TEST_BLANK_SECRET}'].join('');

  it('refuses one written out, naming the file and the field', () => {
    const folder = deployment('spaces', hook('"   "'));
    expect(() => loadDeployment(folder, plugins)).toThrow(
      'spaces.yaml: config.signature.secret: is only whitespace: a secret must hold its value',
    );
  });

  it('refuses a reference to a blank variable or file, naming the file, the field and the reference', () => {
    process.env.EAI_TEST_BLANK_SECRET = ' \t ';
    try {
      const folder = deployment('blank-env', hook(`"${variable}"`));
      expect(() => loadDeployment(folder, plugins)).toThrow(
        `blank-env.yaml: config.signature.secret: ${variable} resolves to only whitespace: a secret must hold its value`,
      );
      process.env.EAI_TEST_BLANK_SECRET = '';
      expect(() => loadDeployment(folder, plugins)).toThrow(
        `blank-env.yaml: config.signature.secret: ${variable} resolves to an empty value: a secret must hold its value`,
      );
    } finally {
      delete process.env.EAI_TEST_BLANK_SECRET;
    }
    const folder = deployment('blank-file', hook(`"${['$', '{file:secret.txt}'].join('')}"`));
    writeFileSync(join(folder, 'secret.txt'), '  \n');
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /blank-file\.yaml: config\.signature\.secret: .\{file:secret\.txt\} resolves to only whitespace/,
    );
  });

  it("refuses an Odoo password and an HTTP sink's auth header of spaces, whatever the plugin; a real secret with spaces around passes", () => {
    const odoo = deployment(
      'odoo-blank',
      'type: odoo-polling-source\nformat: odoo-res-partner\nconfig:\n  baseUrl: http://odoo.example\n  db: d\n  username: u\n  password: "  "\n',
    );
    expect(() => loadDeployment(odoo, plugins)).toThrow(
      /odoo-blank\.yaml: .*config\.password: is only whitespace/,
    );
    const padded = deployment('padded', hook('" s3cret "'));
    expect(() => loadDeployment(padded, plugins)).not.toThrow(/whitespace/);
  });
});

describe("a file sink's envelope for a format without one", () => {
  const envelope = 'config:\n  dir: out\n  envelope:\n    senderQualifier: "01"\n    senderId: "123456789"\n';
  it('is refused by the deployment check (eai connectors validate, eai up), naming the file and config.envelope', () => {
    const folder = deployment(
      'csvenvelope',
      `type: file-sink\ntopics: [canonical.customer]\nmapping: csv/customer-table.from-canonical.yaml\n${envelope}`,
    );
    const [check] = checkDeployment(folder, plugins);
    expect(check!.errors).toEqual([
      {
        field: 'config.envelope',
        problem: expect.stringMatching(
          /^csv documents have no interchange envelope \(only X12 ones: x12-855, x12-856/,
        ),
      },
    ]);
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /csvenvelope\.yaml: config\.envelope: csv documents have no interchange envelope/,
    );
  });

  it('is refused by the admin API (validateDefinition: 400 with the field) and at start (pluginConfig), alike', () => {
    const definition = {
      name: 'h2-csv-envelope',
      type: 'file-sink',
      topics: ['canonical.customer'],
      mapping: 'csv/customer-table.from-canonical.yaml',
      config: { dir: 'out', envelope: { senderId: '123456789' } },
    };
    let refused: unknown;
    try {
      validateDefinition(definition, plugins, 'PUT /connectors/h2-csv-envelope');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).fields).toEqual([
      {
        field: 'config.envelope',
        problem: expect.stringContaining('csv documents have no interchange envelope'),
      },
    ]);
    expect(() =>
      pluginConfig(plugins.get('file-sink')!, definition, process.cwd(), 'stored definition', {
        outputFormat: 'csv',
      }),
    ).toThrow(/stored definition: config\.envelope: csv documents have no interchange envelope/);
  });

  it('is taken with a mapping that writes X12', () => {
    const folder = deployment(
      'x12envelope',
      `type: file-sink\ntopics: [canonical.shipment]\nmapping: edi/x12-856.from-canonical.yaml\n${envelope}`,
    );
    expect(checkDeployment(folder, plugins)[0]!.errors).toEqual([]);
  });
});
