export type {
  EdifactEnvelope,
  EdifactGroupInfo,
  EdifactInterchangeInfo,
  EdifactMessage,
  EdifactMessageInfo,
} from './envelope.ts';
export { parseEdifact, readEdifact } from './parse.ts';
export type { EdifactElement, EdifactSegment, EdifactSeparators } from './segment.ts';
export type {
  EdifactInterchangeInput,
  EdifactMessageInput,
  EdifactSegmentInput,
  EdifactWriteOptions,
} from './writer.ts';
export { writeEdifact } from './writer.ts';
