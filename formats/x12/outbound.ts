import type { z } from 'zod';
import { ConfigError, quotedValue } from '../../lib/errors.ts';
import { zodProblemText } from '../../lib/zod-problems.ts';
import { normalizeDecimal } from '../../schemas/logical-types.ts';
import { FormatError, type NumberedEnvelope } from '../types.ts';
import { isDecimal } from './values.ts';
import { writeX12, type X12SegmentInput, type X12WriteOptions } from './writer.ts';

/**
 * Who sends and who receives an interchange the hub writes to a trading partner (ISA05-08, GS02-03), its version
 * (GS08) and usage (ISA15).
 */
export interface X12OutboundEnvelope {
  senderQualifier?: string | null;
  senderId?: string | null;
  receiverQualifier?: string | null;
  receiverId?: string | null;
  /** GS02 / GS03: the application codes; default the ISA ids. */
  senderCode?: string | null;
  receiverCode?: string | null;
  /** GS08, e.g. 004010 (default) or 005010; ISA12 is its first five digits. */
  version?: string | null;
  /** ISA15: P production (default), T test, I information. */
  usage?: string | null;
  /** In a writer's options: its values win over the document's (else the document's win, the options fill in). */
  override?: boolean | null;
}

/**
 * The element checks an outbound X12 writer (x12-855, x12-856) makes, each refusal a FormatError of `format` at the
 * element's place (`PO1#2/PO102`): text trimmed, required and optional values within their length, X12 R decimals
 * without trailing zeros, CCYYMMDD dates (YYMMDD before 004010), HHMM times, and the envelope.
 */
export function x12Elements(format: string) {
  const fail = (location: string, problem: string): never => {
    throw new FormatError(format, location, problem);
  };
  const text = (value: unknown): string =>
    value === undefined || value === null ? '' : String(value).trim();
  const required = (value: unknown, location: string, what: string, max: number): string => {
    const v = text(value);
    if (v === '') fail(location, `missing ${what}`);
    if (v.length > max)
      fail(location, `${what} holds ${max} characters in X12, the value has ${v.length}: ${quotedValue(v)}`);
    return v;
  };
  const optional = (value: unknown, location: string, what: string, max: number): string =>
    text(value) === '' ? '' : required(value, location, what, max);
  /** X12 R: an exact decimal without trailing zeros (`12.500000` → `12.5`). */
  const decimal = (value: unknown, location: string, what: string): string => {
    const v = text(value);
    if (!isDecimal(v) || v.includes(',')) fail(location, `${what} ${quotedValue(v)} is not a number`);
    return normalizeDecimal(v);
  };
  /** CCYYMMDD as given, or YYMMDD for a version before 004010 (X12 element 373). */
  const date = (value: unknown, short: boolean, location: string, what: string): string => {
    const v = text(value);
    if (!/^\d{8}$/.test(v)) fail(location, `${what} ${quotedValue(v)} is not a date CCYYMMDD`);
    return short ? v.slice(2) : v;
  };
  const time = (value: unknown, location: string): string => {
    const v = text(value);
    if (v !== '' && !/^\d{4}(\d{2})?$/.test(v)) fail(location, `time ${quotedValue(v)} is not HHMM`);
    return v;
  };
  /**
   * The envelope: the document's values (the order's: who sent it is who gets the answer), the options' where it has
   * none, or, with the options' `override`, the options' values first and the document's where they have none (a
   * partner who wants its answers at another id than the one it sends from, a test ISA15 for a production order);
   * sender and receiver required (`senderHint` / `receiverHint` say where they come from).
   */
  const envelope = (
    tree: X12OutboundEnvelope | undefined,
    options: X12OutboundEnvelope = {},
    hints: { sender: string; receiver: string },
  ) => {
    const [first, then] = options.override ? [options, tree] : [tree, options];
    const pick = (key: keyof X12OutboundEnvelope) => text(first?.[key]) || text(then?.[key]);
    const senderId = required(pick('senderId'), 'ISA06', `the sender id (${hints.sender})`, 15);
    const receiverId = required(pick('receiverId'), 'ISA08', `the receiver id (${hints.receiver})`, 15);
    const version = pick('version') || '004010';
    if (!/^\d{6}/.test(version)) fail('GS08', `version ${JSON.stringify(version)} is not like 004010`);
    const usage = pick('usage') || 'P';
    if (!['P', 'T', 'I'].includes(usage)) fail('ISA15', `usage ${JSON.stringify(usage)} is not P, T or I`);
    return {
      senderQualifier: required(pick('senderQualifier') || 'ZZ', 'ISA05', 'the sender qualifier', 2),
      senderId,
      receiverQualifier: required(pick('receiverQualifier') || 'ZZ', 'ISA07', 'the receiver qualifier', 2),
      receiverId,
      senderCode: required(pick('senderCode') || senderId, 'GS02', 'the application sender code', 15),
      receiverCode: required(pick('receiverCode') || receiverId, 'GS03', 'the application receiver code', 15),
      version,
      usage,
    };
  };
  return { fail, text, required, optional, decimal, date, time, envelope };
}

/**
 * A writer's options, checked as its schema says (the error naming `options.<format>`), and the control number the
 * caller keeps (X12 interchanges are numbered by whoever writes them: a file-sink keeps the counter).
 */
export function outboundOptions<S extends z.ZodType>(
  format: string,
  schema: S,
  options: unknown,
  numbered: NumberedEnvelope | undefined,
): { options: z.output<S>; numbered: NumberedEnvelope } {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success)
    throw new ConfigError(`${format} writer: ${zodProblemText(parsed.error, `options.${format}`, schema)}`);
  if (!numbered)
    throw new ConfigError(
      `${format} writer: no control number given: X12 interchanges are numbered by the one who writes them (a file-sink keeps the counter)`,
    );
  return { options: parsed.data, numbered };
}

/**
 * One transaction set in an interchange of its own: ISA13 and GS06 the control number given, ST02 `0001`, ISA09/10
 * and GS04/05 the time of writing (UTC), no TA1 asked for; GS04 YYMMDD before 004010.
 */
export function writeOutboundSet(
  own: ReturnType<ReturnType<typeof x12Elements>['envelope']>,
  numbered: NumberedEnvelope,
  set: { functionalId: string; type: string; segments: X12SegmentInput[] },
  layout: Pick<X12WriteOptions, 'separators' | 'lineEnding'>,
): Buffer {
  const at = numbered.at.toISOString();
  const gsDate = at.slice(0, 10).replaceAll('-', '');
  const hhmm = at.slice(11, 16).replace(':', '');
  const controlNumber = String(numbered.controlNumber);
  return writeX12(
    {
      senderQualifier: own.senderQualifier,
      senderId: own.senderId,
      receiverQualifier: own.receiverQualifier,
      receiverId: own.receiverId,
      date: gsDate.slice(2),
      time: hhmm,
      controlNumber,
      version: own.version.slice(0, 5),
      usage: own.usage,
      acknowledgmentRequested: '0',
      groups: [
        {
          functionalId: set.functionalId,
          senderCode: own.senderCode,
          receiverCode: own.receiverCode,
          date: own.version < '004010' ? gsDate.slice(2) : gsDate,
          time: hhmm,
          controlNumber,
          agency: 'X',
          version: own.version,
          transactionSets: [{ type: set.type, controlNumber: '0001', segments: set.segments }],
        },
      ],
    },
    { lineEnding: layout.lineEnding, ...(layout.separators ? { separators: layout.separators } : {}) },
  );
}
