/**
 * `eai mdm train`: m and u for every comparison from the records a schema holds, by EM on a sample of them (no
 * labels), or from a labelled set (`system,source_id,entity`: the same customer, the same entity; the columns of
 * `eai mdm export --xref` with its golden_id column corrected by hand are such a file). The model goes into a config
 * file's `model`; `eai mdm rematch` then applies it to the stored records.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { Document, parseDocument } from 'yaml';
import { ConfigError, errorMessage, firstLineOf } from '../lib/errors.ts';
import { parseMdmConfig } from './config.ts';
import { DEFAULT_MODEL, type Model } from './score.ts';
import { standardise } from './standardise.ts';
import type { MasterDataStore } from './store.ts';
import { trainByEm, trainFromLabels } from './train.ts';

export interface Label {
  system: string;
  sourceId: string;
  entity: string;
}

export interface TrainSummary {
  method: 'em' | 'labels';
  /** Records trained on. */
  records: number;
  /** EM: pairs that blocking proposed among them; labels: pairs of one entity. */
  pairs: number;
  /**
   * Comparisons no pair of the records could tell anything about (no record, or only one of a pair, has the
   * field: FEBRL's people have no email): their m and u are kept as they were, not made equal (which would make
   * them count for nothing once records with the field come).
   */
  kept: string[];
  /** Labelled records the schema does not hold (left out), the first 20. */
  missing?: string[];
  missingCount?: number;
  model: Model;
}

/** The fewest records trained on: below it the pairs say too little about m, and random pairs too little about u. */
const MIN_RECORDS = 100;
/** The fewest labelled pairs of one customer m is learnt from: a handful would make it whatever they happen to show. */
const MIN_LABELLED_PAIRS = 20;

export async function trainOnStored(
  store: MasterDataStore,
  options: { sample?: number; labels?: Label[] } = {},
): Promise<TrainSummary> {
  if (options.labels) return trainOnLabels(store, options.labels);
  const rows = await store.trainingRecords({ limit: options.sample ?? 20_000 });
  if (rows.length < MIN_RECORDS)
    throw new ConfigError(
      `too few records to train on (${rows.length} in schema ${store.schema}, at least ${MIN_RECORDS}): load more first, or train from labels (--labels)`,
    );
  const std = rows.map((r) => standardise(r.record, store.config));
  const result = trainByEm(std);
  return {
    method: 'em',
    records: rows.length,
    pairs: result.candidatePairs,
    ...informed(result.model, store),
  };
}

async function trainOnLabels(store: MasterDataStore, labels: Label[]): Promise<TrainSummary> {
  const rows = await store.trainingRecords({
    keys: labels.map((l) => ({ system: l.system, sourceId: l.sourceId })),
  });
  const entityOf = new Map(labels.map((l) => [`${l.system}\u001f${l.sourceId}`, l.entity]));
  const held = new Set(rows.map((r) => `${r.system}\u001f${r.sourceId}`));
  const missing = labels.filter((l) => !held.has(`${l.system}\u001f${l.sourceId}`));
  const entities = rows.map((r) => entityOf.get(`${r.system}\u001f${r.sourceId}`) ?? '');
  const sizes = new Map<string, number>();
  for (const e of entities) sizes.set(e, (sizes.get(e) ?? 0) + 1);
  const pairs = [...sizes.values()].reduce((sum, n) => sum + (n * (n - 1)) / 2, 0);
  if (pairs < MIN_LABELLED_PAIRS || rows.length < MIN_RECORDS)
    throw new ConfigError(
      `too few labels to learn from: ${pairs} pair${pairs === 1 ? '' : 's'} of one customer among ${rows.length} labelled records schema ${store.schema} holds (${labels.length} labelled; at least ${MIN_LABELLED_PAIRS} pairs and ${MIN_RECORDS} records): m is learnt from such pairs, u from the others; label more, or train by EM (without --labels)`,
    );
  const std = rows.map((r) => standardise(r.record, store.config));
  const model = trainFromLabels(std, (i) => entities[i] ?? '');
  return {
    method: 'labels',
    records: rows.length,
    pairs,
    ...informed(model, store),
    ...(missing.length
      ? {
          missing: missing.slice(0, 20).map((l) => `${l.system}/${l.sourceId}`),
          missingCount: missing.length,
        }
      : {}),
  };
}

/** The trained model, its uninformative comparisons (m = u) kept as the store's config had them. */
function informed(model: Model, store: MasterDataStore): { model: Model; kept: string[] } {
  const kept: string[] = [];
  const out: Model = {};
  for (const [name, p] of Object.entries(model)) {
    const flat = p.m.every((m, l) => Math.abs(m - (p.u[l] ?? 0)) < 1e-9);
    const before = store.config.model?.[name] ?? DEFAULT_MODEL[name];
    if (flat && before) {
      kept.push(name);
      out[name] = before;
    } else out[name] = p;
  }
  return { model: rounded(out), kept };
}

/** Six significant digits: what matching can tell apart, and a config file a person can read. */
function rounded(model: Model): Model {
  const r = (x: number) => Number(x.toPrecision(6));
  return Object.fromEntries(
    Object.entries(model).map(([name, p]) => [name, { m: p.m.map(r), u: p.u.map(r) }]),
  );
}

const ENTITY_COLUMNS = ['entity', 'entity_id', 'cluster', 'cluster_id', 'truth', 'label', 'golden_id'];
const ID_COLUMNS = ['source_id', 'sourceid', 'id'];

/**
 * A labels file: CSV with a header naming `system`, the record's id (`source_id`) and its customer (`entity`, or
 * `cluster`, `truth`, `label`, `golden_id`). Errors name the file and the line.
 */
export function readLabels(path: string): Label[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read (${errorMessage(error)})`);
  }
  let rows: string[][];
  try {
    rows = parseCsv(text, { skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (error) {
    throw new ConfigError(`${path}: not CSV (${errorMessage(error).split('\n')[0]})`);
  }
  const header = (rows[0] ?? []).map((h) => h.toLowerCase());
  const at = (names: string[]) => header.findIndex((h) => names.includes(h));
  const system = at(['system']);
  const id = at(ID_COLUMNS);
  const entity = at(ENTITY_COLUMNS);
  if (system < 0 || id < 0 || entity < 0)
    throw new ConfigError(
      `${path}: line 1: the header needs the columns system, source_id and entity (or ${ENTITY_COLUMNS.slice(1).join(', ')}); it has ${header.join(', ') || 'none'}`,
    );
  return rows.slice(1).map((row, i) => {
    const [s, r, e] = [row[system], row[id], row[entity]];
    if (!s || !r || !e)
      throw new ConfigError(`${path}: line ${i + 2}: system, source_id and entity must each have a value`);
    return { system: s, sourceId: r, entity: e };
  });
}

/**
 * Sets `model` in a config file (made if absent), its other settings and comments kept; the result is checked as
 * the hub would read it before the file is written.
 */
export function writeModel(path: string, model: Model): void {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ConfigError(`${path}: cannot read (${errorMessage(error)})`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigError(`${path}: not YAML (${firstLineOf(doc.errors[0])})`);
  setModel(doc, model);
  // Checked as the hub will read it before the file is touched.
  parseMdmConfig(doc.toJS(), path);
  try {
    writeFileSync(path, doc.toString());
  } catch (error) {
    throw new ConfigError(`${path}: cannot write (${errorMessage(error)})`);
  }
}

/** The model as the `model:` of a config file, each comparison's m and u on a line. */
export function modelYaml(model: Model): string {
  const doc = new Document({});
  setModel(doc, model);
  return doc.toString();
}

function setModel(doc: Document, model: Model): void {
  doc.set('model', doc.createNode(model));
  for (const name of Object.keys(model)) {
    // m and u of a comparison on one line each: [0.97, 0.02, 0.01]
    const node = doc.getIn(['model', name]) as { items?: Array<{ value?: { flow?: boolean } }> } | undefined;
    for (const item of node?.items ?? []) if (item.value) item.value.flow = true;
  }
}
