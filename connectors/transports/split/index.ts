import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { EdifactSplitter } from './edifact.ts';
import { IdocXmlSplitter } from './idoc-xml.ts';
import { JsonLinesSplitter } from './json-lines.ts';
import type { SplitKind, SplitPiece, Splitter } from './types.ts';
import { X12Splitter } from './x12.ts';

export {
  NotEnvelopeError,
  type PieceTrailers,
  type SplitKind,
  type SplitPiece,
  type Splitter,
  type TrailerCount,
} from './types.ts';

export const splitKinds = [
  'x12',
  'edifact',
  'idoc-xml',
  'json-lines',
] as const satisfies readonly SplitKind[];

/** A fresh splitter for one file. `maxPieceBytes` (default: the one-document limit) bounds what it holds. */
export function createSplitter(kind: SplitKind, maxPieceBytes?: number): Splitter {
  switch (kind) {
    case 'x12':
      return new X12Splitter(maxPieceBytes);
    case 'edifact':
      return new EdifactSplitter(maxPieceBytes);
    case 'idoc-xml':
      return new IdocXmlSplitter(maxPieceBytes);
    case 'json-lines':
      return new JsonLinesSplitter(maxPieceBytes);
  }
}

/** Splits bytes already in memory (a small file, a test). */
export function splitBuffer(kind: SplitKind, bytes: Buffer): SplitPiece[] {
  const splitter = createSplitter(kind);
  return [...splitter.push(bytes), ...splitter.end()];
}

export interface SplitFileOptions {
  /** Read size (default 64 KiB): memory is this plus the open piece. */
  highWaterMark?: number;
  signal?: AbortSignal;
  /** Open flags (default read-only; the drop folder adds O_NOFOLLOW). */
  flags?: number;
}

/**
 * Streams a file through a splitter and yields its pieces as they complete; the stream is paused while the
 * consumer holds a piece, so memory stays bounded whatever the file's size. Ending the iteration early closes it.
 */
export async function* splitFile(
  path: string,
  kind: SplitKind,
  options: SplitFileOptions = {},
): AsyncGenerator<SplitPiece, void, undefined> {
  for await (const run of splitFileRuns(path, kind, options)) yield* run;
}

/**
 * As `splitFile`, each chunk's pieces together (a run; empty when a chunk completed none): a reader of many small
 * pieces (a file of JSON lines, ~55 to a 64 KiB chunk) takes them one by one without a promise each. The stream is
 * paused while the consumer holds a run.
 */
export async function* splitFileRuns(
  path: string,
  kind: SplitKind,
  options: SplitFileOptions = {},
): AsyncGenerator<SplitPiece[], void, undefined> {
  const splitter = createSplitter(kind);
  const stream =
    options.flags === undefined
      ? createReadStream(path, { highWaterMark: options.highWaterMark ?? 64 * 1024, signal: options.signal })
      : (await open(path, options.flags)).createReadStream({
          highWaterMark: options.highWaterMark ?? 64 * 1024,
          signal: options.signal,
        });
  try {
    for await (const chunk of stream) yield splitter.push(chunk as Buffer);
    yield splitter.end();
  } finally {
    stream.destroy();
  }
}
