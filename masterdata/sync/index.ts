export {
  applyEvent,
  type Change,
  classify,
  fieldsSet,
  holdsSent,
  PENDING_KEPT,
  pendingAfterEcho,
  pendingAfterSend,
  type Sent,
  sameValue,
  stampedByHub,
  topField,
} from './changes.ts';
export {
  DEFAULT_CREATE_WHEN,
  DEFAULT_GOLDEN_ID_TYPES,
  goldenIdTypeOf,
  SYSTEM_ID_TYPES,
  type SyncConfig,
  type SyncSystem,
  satisfies,
  syncConfigSchema,
} from './config.ts';
export { erasureEvent, publishErasure, publishErasureOutbox } from './erasure-out.ts';
export {
  type GoldenSync,
  MDM_SYSTEM,
  planCommand,
  planGoldenEvent,
  startGoldenSync,
} from './relay.ts';
export {
  claimCreated,
  createdFor,
  createdRecord,
  dropStaleSent,
  forgetSent,
  goldenIdRemoved,
  heldView,
  hubCreated,
  keepPending,
} from './sent.ts';
export {
  type BulkRecord,
  carriesGoldenIdType,
  type HeldRecord,
  lostFields,
  type MatchedEdit,
  queueBulkRestamps,
  queueBulkWriteBacks,
  queueRestamps,
  queueWriteBacks,
  recordWriteBacks,
  type WriteBack,
  type WriteBackEntry,
  writeBackHistory,
} from './writeback.ts';
