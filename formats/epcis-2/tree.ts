import type { Identifier } from './identifiers.ts';

export type { Identifier } from './identifiers.ts';

export interface QuantityNode {
  $loc: string;
  epcClass: Identifier;
  /** The exact decimal as written (`12.5`), never through a double; null when the element has no quantity. */
  quantity: string | null;
  uom: string | null;
}

export interface BizTransactionNode {
  $loc: string;
  /** Bare CBV word (`po`, `desadv`, `bol`, `inv`…) or the private URI as given; null when untyped. */
  type: string | null;
  /** The transaction id exactly as sent. */
  id: string;
}

export interface PartyNode {
  $loc: string;
  type: string;
  /** The source / destination as sent (an sgln or pgln URN, a Digital Link, a bare GLN, a private URI). */
  id: string;
  /** The GLN it names, in whichever form it was sent, and the GLN extension (sgln serial, Digital Link 254). */
  gln?: string;
  glnExtension?: string;
}

export interface LocationNode {
  $loc: string;
  id: Identifier;
}

export interface EpcisEvent {
  $loc: string;
  type: string;
  /** ObjectEvent, AggregationEvent and TransactionEvent are mapped; the other event types are kept for inspection only. */
  mapped: boolean;
  eventId: string | null;
  /** UTC, ISO 8601 with milliseconds. */
  eventTime: string;
  /** The local zone of the event, as sent (or taken from eventTime when the field is absent). */
  eventTimeZoneOffset: string;
  recordTime: string | null;
  action: string | null;
  bizStep: string | null;
  disposition: string | null;
  readPoint: LocationNode | null;
  bizLocation: LocationNode | null;
  parentId: Identifier | null;
  epcList: Identifier[];
  childEpcs: Identifier[];
  quantityList: QuantityNode[];
  childQuantityList: QuantityNode[];
  bizTransactions: BizTransactionNode[];
  sources: PartyNode[];
  destinations: PartyNode[];
  /** Namespaced fields by namespace IRI and local name (`https://ns.example.com/epcis/temperature`: namespaces.ts; readPoint.<IRI> for a read point's), each object carrying `$loc`. */
  extensions: Record<string, unknown>;
  /** Standard fields this reader does not model (sensorElementList, ilmd, errorDeclaration…), kept raw. */
  unmapped: Record<string, unknown>;
}

export interface EpcisTree {
  $loc: string;
  documentType: 'EPCISDocument' | 'EPCISQueryDocument' | 'event';
  schemaVersion: string | null;
  /** When the document was created, UTC ISO 8601 with milliseconds (refused when it has no zone). */
  creationDate: string | null;
  events: EpcisEvent[];
}
