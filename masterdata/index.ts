/**
 * Customer master data: the store and incremental matcher, the steward's actions, search, and the customer 360
 * read model. Callers outside masterdata/ import from here.
 */
export {
  ACTIVITY_TOPICS,
  type CaseView,
  CustomerActivity,
  type OrderView,
  type ShipmentView,
  startCustomerActivity,
} from './activity.ts';
export { defaultMdmConfig, loadMdmConfig, type MdmConfig, parseMdmConfig } from './config.ts';
export { type CustomerMatcher, startCustomerMatcher } from './consumer.ts';
export { displayName } from './customer-data.ts';
export {
  type Erasure,
  type ErasureRequest,
  type ErasureSystem,
  eraseCustomer,
  erasureById,
  erasureOfGolden,
  erasureOfRecord,
} from './erasure.ts';
export {
  customerFile,
  type LoadProgress,
  loadJsonLines,
  loadTable,
  refuseWorkbook,
} from './load.ts';
export { type Drift, inWords, type ReconcileReport, reconcile } from './reconcile.ts';
export { type RematchProgress, type RematchSummary, rematch, rulesChanged } from './rematch.ts';
export { openResyncRequests, type ResyncRequested } from './resync.ts';
export { type QueryKind, queryKind, type SearchHit, searchCustomers } from './search.ts';
export {
  decidePair,
  MasterDataConflictError,
  MasterDataNotFoundError,
  mergeGolden,
  unmergeById,
} from './steward.ts';
export { type GoldenView, MasterDataStore, storedMdmConfig } from './store.ts';
export {
  type GoldenSync,
  publishErasure,
  recordWriteBacks,
  type SyncConfig,
  startGoldenSync,
  type WriteBackEntry,
  writeBackHistory,
} from './sync/index.ts';
export { modelYaml, readLabels, type TrainSummary, trainOnStored, writeModel } from './train-stored.ts';
