import type { ConnectorPlugin } from '../sdk/index.ts';
import { asnFileSource } from './asn-file-source.ts';
import { despatchSink } from './despatch-sink.ts';
import { epcisCaptureSource } from './epcis-capture-source.ts';
import { returnSink } from './return-sink.ts';

/** The logistics provider's (3PL / carrier) connectors: ASN files, EPCIS capture, despatch requests, returns. */
export const logisticsPlugins: ConnectorPlugin[] = [
  asnFileSource,
  epcisCaptureSource,
  despatchSink,
  returnSink,
];
