import { join, resolve } from 'node:path';
import { z } from 'zod';
import { findWriter, writers } from '../../formats/index.ts';
import { x12AcknowledgmentOptions } from '../../formats/x12-855/writer.ts';
import { ConfigError } from '../../lib/errors.ts';
import { type ConnectorContext, NOTHING_TO_WRITE, type SinkTask } from '../sdk/index.ts';
import { controlNumberFile } from '../transports/control-numbers.ts';
import { keyedFileWriter } from '../transports/keyed-files.ts';

export const fileSinkConfig = z.object({
  dir: z
    .string()
    .min(1)
    .describe(
      'The folder the files are written to (created when missing); relative to the deployment file. Each file is written under a hidden temporary name and renamed into place, so a reader of the folder never sees half a file.',
    ),
  filePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'letters, digits, "_" and "-"')
    .default('')
    .describe(
      'Start of every file name; the rest is derived from the record’s idempotency key (`<prefix>[<group>_]<connector>_<ce_id>_<hash>`, the connect group only outside the default one), the same on every delivery of a record, so a redelivery overwrites its own file.',
    ),
  extension: z
    .string()
    .regex(/^(\.[A-Za-z0-9_-]+)+$/, 'a dot and letters, digits, "_" or "-", e.g. ".csv" or ".tsv"')
    .optional()
    .describe(
      "End of every file name, with its dot. Default: the one the writer of the mapping's output format declares (`.csv` for csv, `.json` for json and the JSON systems' formats, `.xml` for IDocs; docs/mappings.md lists them).",
    ),
  readyMarker: z
    .boolean()
    .default(false)
    .describe('Write an empty `<file>.ready` after each complete file, for readers that wait for a marker.'),
  controlNumberFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Formats whose documents are numbered (X12 `x12-855`, `x12-856`: ISA13 and GS06): the file that keeps the last control number used; each document takes the next, never one used before (relative to the deployment file; default `<dir>/.eai-control-number-<connector>`). Keep it where the partner’s pickup does not remove it.',
    ),
  envelope: x12AcknowledgmentOptions.shape.envelope.describe(
    "X12 formats (`x12-855`, `x12-856`): the trading partner this sink writes to, as its agreement says: our ISA05 / ISA06 (`senderQualifier`, `senderId`), the partner's ISA07 / ISA08 (`receiverQualifier`, `receiverId`), GS02 / GS03, GS08, ISA15. The document's own ids (an order that came as an 850: its ids, sender and receiver swapped) come first, these fill in what it does not carry (a shipment of an order from SAP, a WMS), over the mapping's `options.<format>.envelope`; `override: true` puts these first. Without the ids from one of them the document is refused (`ISA06: missing the sender id …`): no partner is made up. With a mapping that writes another format (csv, json: no interchange envelope) the connector is refused (`eai connectors validate`, the admin API, its start), naming `config.envelope`.",
  ),
});

export type FileSinkConfig = z.output<typeof fileSinkConfig>;

/**
 * What the file sink's options cannot be given what its mapping writes: an `envelope` for documents without an
 * interchange envelope (only X12's numbered ones have one). The plugin's `checkConfig`: `eai connectors validate`,
 * the admin API and the start refuse it alike, naming `config.envelope`.
 */
export function fileSinkProblems(
  config: FileSinkConfig,
  { outputFormat }: { outputFormat?: string },
): Array<{ field: string; problem: string }> {
  if (!config.envelope || outputFormat === undefined) return [];
  const numbered = writers
    .filter((w) => w.controlNumbers)
    .map((w) => w.name)
    .join(', ');
  return findWriter(outputFormat).controlNumbers
    ? []
    : [
        {
          field: 'envelope',
          problem: `${outputFormat} documents have no interchange envelope (only X12 ones: ${numbered}); remove envelope, or name a mapping that writes X12`,
        },
      ];
}

/**
 * Canonical records as documents in a folder, one file per document the connector's from-canonical mapping writes
 * (`mapping:` is required: it says the format, csv, json or any with a writer). A record the mapping writes nothing
 * for (a csv table's deleted customer) is skipped. Files are named and written as the SAP file sinks' (keyed-files.ts):
 * after a record's delivery the folder holds exactly the documents it wrote, an earlier delivery's others removed.
 */
export function createFileSink(config: FileSinkConfig, context: ConnectorContext): SinkTask {
  const format = context.outputFormat;
  if (format === undefined)
    throw new ConfigError(
      `connector ${context.name}: mapping: a file-sink needs a from-canonical mapping naming what it writes (e.g. csv/customer-table.from-canonical.yaml)`,
    );
  // The deployment check refused a mapping whose format has no writer (and an envelope for one that has none): this
  // finds it.
  const extension = config.extension ?? findWriter(format).extension;
  const dir = resolve(context.baseDir, config.dir);
  const write = keyedFileWriter({ ...config, dir, extension }, context);
  // Numbered documents (X12 interchanges): their control numbers from a counter file of the connector's.
  const controlNumbers = findWriter(format).controlNumbers
    ? controlNumberFile(
        config.controlNumberFile
          ? resolve(context.baseDir, config.controlNumberFile)
          : join(dir, `.eai-control-number-${context.name.replace(/[^A-Za-z0-9.-]+/g, '-')}`),
        context,
      )
    : undefined;
  return {
    async put(record) {
      const id = record.attributes.id;
      const documents = await context.toSystem(record.value, {
        ...(typeof id === 'string' ? { documentId: id } : {}),
        ...(controlNumbers ? { controlNumbers } : {}),
        ...(config.envelope ? { envelope: config.envelope } : {}),
      });
      // Written even when empty: the files an earlier delivery of the record wrote go (usually there are none).
      await write(record.idempotencyKey, documents, async ({ name }) => {
        context.logger.info({ file: name, key: record.key }, 'file-sink: file written');
      });
      if (documents.length === 0) {
        context.logger.debug({ key: record.key }, 'file-sink: the mapping writes nothing for it, skipped');
        return NOTHING_TO_WRITE;
      }
    },
    async stop() {},
  };
}
