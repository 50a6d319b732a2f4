export type ChangeType =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'UNDELETE'
  | 'GAP_CREATE'
  | 'GAP_UPDATE'
  | 'GAP_DELETE'
  | 'GAP_UNDELETE'
  | 'GAP_OVERFLOW';

export interface CdcHeader {
  $loc: string;
  entityName: 'Account' | 'Contact' | 'Case';
  changeType: ChangeType;
  recordIds: string[];
  /** Field names (compound sub-fields as `BillingAddress.City`), decoded from bitmaps when they came as bitmaps. */
  changedFields: string[];
  nulledFields: string[];
  /**
   * Fields whose new value came as a unified diff of the old one (large text fields; a CometD `{diff}` too): not
   * among a record's changed fields nor its values (the diff is no value); the record must be read again for them.
   */
  diffFields: string[];
  /** False when a bitmap could not be decoded (then the raw strings are in `undecodedBitmaps`). */
  fieldsDecoded: boolean;
  undecodedBitmaps: string[];
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  /** ISO 8601 UTC. */
  commitTimestamp: string;
  commitUser: string;
  /** Exact digits: commit numbers exceed 2^53. */
  commitNumber: string;
}

/** What one record of the event says: the fields set, the fields cleared, and nothing else. */
export interface CdcRecord {
  $loc: string;
  recordId: string;
  /** `upsert` for CREATE / UPDATE / UNDELETE, `delete`, or `reread` for GAP events (fetch the record again). */
  action: 'upsert' | 'delete' | 'reread';
  changedFields: readonly string[];
  clearedFields: readonly string[];
  /**
   * Values of the changed fields only; compound fields nested (`BillingAddress: { City }`), dates as ISO strings.
   * One frozen tree shared by every record of the event (as are the two lists).
   */
  values: Readonly<Record<string, unknown>>;
}

export interface CdcTree {
  $loc: string;
  /** `cometd` (Streaming API envelope) or `pubsub` (Pub/Sub API event or bare payload). */
  shape: 'cometd' | 'pubsub';
  channel: string | null;
  replayId: string | null;
  eventUuid: string | null;
  header: CdcHeader;
  /** One per record id; empty for GAP_OVERFLOW (re-read the whole entity). */
  records: CdcRecord[];
  /** GAP_OVERFLOW: too many changes to list; the consumer must resynchronise the entity. */
  overflow: boolean;
}
