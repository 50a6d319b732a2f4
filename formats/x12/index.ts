export type {
  X12Envelope,
  X12GroupInfo,
  X12InterchangeInfo,
  X12SetInfo,
  X12TransactionSet,
} from './envelope.ts';
export { parseX12, readX12 } from './parse.ts';
export type { X12Element, X12Segment, X12Separators } from './segment.ts';
export type {
  X12GroupInput,
  X12InterchangeInput,
  X12SegmentInput,
  X12TransactionSetInput,
  X12WriteOptions,
} from './writer.ts';
export { writeX12 } from './writer.ts';
