import { z } from 'zod';
import { definePlugin } from '../sdk/index.ts';
import {
  createFileDropSource,
  fileDropConfig,
  fileDropOffsetProblem,
  filePattern,
} from '../transports/file-drop.ts';

/**
 * SAP's outbound file port (WE21, port type "File", SNDPOR): the partner profile writes each ORDERS05 IDoc file into
 * a directory, under a temporary name then renamed (or with a ready marker). This is the drop folder of that port.
 */
export const sapIdocFileSourceConfig = fileDropConfig.extend({
  dir: fileDropConfig.shape.dir.describe(
    "The file port's outbound directory (WE21 → File → Outbound file: Directory); relative to the deployment file.",
  ),
  pattern: filePattern
    .default('*.xml')
    .describe(
      'Which file names to take: a glob (`ORDERS05_*.xml`) or a /regex/; the default skips the port’s hidden temporary names and `.ready` markers. A port writing flat files names them its own way: match its names (`O_*`, `*.txt`).',
    ),
  split: z
    .enum(['idoc-xml', 'none'])
    .default('idoc-xml')
    .describe(
      'How files over `splitAboveBytes` are streamed and cut: `idoc-xml` (one message per <IDOC>, the default for IDoc XML ports) or `none` (such files go to error/). A flat file (EDI_DC40 records) is read whole either way, up to 8 MiB.',
    ),
});

export const sapIdocFileSource = definePlugin({
  type: 'sap-idoc-file-source',
  kind: 'source',
  description:
    "Reads SAP's outbound ORDERS05 IDoc files (IDoc-XML or flat) from a file port's directory into canonical SalesOrderEvents.",
  config: sapIdocFileSourceConfig,
  defaults: { format: 'sap-idoc-orders05', mapping: 'sap/idoc-orders05.to-canonical.yaml' },
  createSource: (config, context) => createFileDropSource(config, context),
  checkOffset: (_partition, offset) => fileDropOffsetProblem(offset),
});
