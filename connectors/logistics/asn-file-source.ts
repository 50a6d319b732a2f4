import { z } from 'zod';
import { definePlugin, type SourceTask } from '../sdk/index.ts';
import {
  createFileDropSource,
  fileDropConfig,
  fileDropOffsetProblem,
  filePattern,
} from '../transports/file-drop.ts';

/** The two ASN formats the provider issues, with the splitter of their envelope and the shipped mapping. */
const ASN_FORMATS = {
  'x12-856': { split: 'x12', pattern: '*.x12', mapping: 'edi/x12-856.to-canonical.yaml' },
  'edifact-desadv': { split: 'edifact', pattern: '*.edi', mapping: 'edi/edifact-desadv.to-canonical.yaml' },
} as const;

export type AsnFormat = keyof typeof ASN_FORMATS;

export const asnFileSourceConfig = fileDropConfig.omit({ split: true, pattern: true }).extend({
  format: z
    .enum(['x12-856', 'edifact-desadv'])
    .default('x12-856')
    .describe(
      'Which ASN the provider drops: `x12-856` (ANSI X12 856, split per ST..SE) or `edifact-desadv` (UN/EDIFACT DESADV, split per UNH..UNT). Picks the splitter, the default pattern and the default mapping.',
    ),
  pattern: filePattern
    .optional()
    .describe(
      'Which file names to take (glob or /regex/); default `*.x12` for X12 856 and `*.edi` for DESADV, as the provider names them (its temporary `.name.tmp` files are never taken).',
    ),
});

export type AsnFileSourceConfig = z.output<typeof asnFileSourceConfig>;

/** The file-drop task with the ASN format's splitter, each document tagged with the format. */
export function createAsnFileSource(
  config: AsnFileSourceConfig,
  context: Parameters<typeof createFileDropSource>[1],
): SourceTask {
  const { format, pattern, ...drop } = config;
  const asn = ASN_FORMATS[format];
  const task = createFileDropSource({ ...drop, split: asn.split, pattern: pattern ?? asn.pattern }, context);
  return {
    start: (positions) => task.start(positions),
    poll: async () => (await task.poll()).map((document) => ({ ...document, format })),
    commit: (documents, outcome) => task.commit(documents, outcome),
    stop: () => task.stop(),
  };
}

export const asnFileSource = definePlugin({
  type: 'logistics-asn-file-source',
  kind: 'source',
  description:
    "Reads the logistics provider's advance ship notices (X12 856 or EDIFACT DESADV) from its outbound folder into canonical ShipmentEvents.",
  config: asnFileSourceConfig,
  createSource: (config, context) => createAsnFileSource(config, context),
  checkOffset: (_partition, offset) => fileDropOffsetProblem(offset),
});
