import { ConfigError } from '../lib/errors.ts';
import { reader as csv } from './csv/index.ts';
import { writer as csvWriter } from './csv/writer.ts';
import { reader as edifactDesadv } from './edifact-desadv/index.ts';
import { reader as edifactOrders } from './edifact-orders/index.ts';
import { reader as epcis2 } from './epcis-2/index.ts';
import {
  reader as hubspotBatchUpsert,
  writer as hubspotBatchUpsertWriter,
} from './hubspot-batch-upsert/index.ts';
import { reader as hubspotCompany } from './hubspot-company/index.ts';
import { reader as hubspotContact } from './hubspot-contact/index.ts';
import { reader as hubspotCrmObject } from './hubspot-crm-object/index.ts';
import { reader as json } from './json/index.ts';
import { writer as jsonWriter } from './json/writer.ts';
import { writer as logisticsDespatchRequestWriter } from './logistics-despatch-request/index.ts';
import { writer as logisticsReturnAuthorizationWriter } from './logistics-return-authorization/index.ts';
import { reader as odooResPartner, writer as odooResPartnerWriter } from './odoo-res-partner/index.ts';
import { reader as odooSaleOrder } from './odoo-sale-order/index.ts';
import { reader as salesforceCdc } from './salesforce-cdc/index.ts';
import {
  reader as salesforceSobject,
  writer as salesforceSobjectWriter,
} from './salesforce-sobject/index.ts';
import { reader as sapIdocOrders05, writer as sapIdocOrders05Writer } from './sap-idoc-orders05/index.ts';
import { reader as shopifyOrder } from './shopify-order/index.ts';
import { isKnownCharset, NotUtf8Error, toUtf8 } from './text-input/decode.ts';
import { FormatError, type FormatReader, type FormatWriter } from './types.ts';
import { reader as x12850 } from './x12-850/index.ts';
import { writer as x12855Writer } from './x12-855/index.ts';
import { reader as x12856, writer as x12856Writer } from './x12-856/index.ts';
import { reader as xml } from './xml/index.ts';

/** Every document format, named once: the CLI, connector configs, mappings and fixtures use these names. */
export const readers: FormatReader[] = [
  sapIdocOrders05,
  x12850,
  edifactOrders,
  odooSaleOrder,
  odooResPartner,
  shopifyOrder,
  x12856,
  edifactDesadv,
  epcis2,
  salesforceCdc,
  hubspotContact,
  hubspotCompany,
  salesforceSobject,
  hubspotBatchUpsert,
  hubspotCrmObject,
  csv,
  json,
  xml,
] as FormatReader[];

/**
 * Formats the hub writes; the logistics requests only go out (no to-canonical mapping reads them). `csv` and `json`
 * write whatever tree a from-canonical mapping builds, for a target that takes tables or JSON documents.
 */
export const writers: FormatWriter[] = [
  sapIdocOrders05Writer,
  salesforceSobjectWriter,
  hubspotBatchUpsertWriter,
  odooResPartnerWriter,
  logisticsDespatchRequestWriter,
  logisticsReturnAuthorizationWriter,
  x12855Writer,
  x12856Writer,
  csvWriter,
  jsonWriter,
] as FormatWriter[];

export function findReader(name: string): FormatReader {
  const found = readers.find((r) => r.name === name);
  if (!found)
    throw new ConfigError(`unknown format "${name}"; known: ${readers.map((r) => r.name).join(', ')}`);
  return found;
}

export function findWriter(name: string): FormatWriter {
  const found = writers.find((w) => w.name === name);
  if (!found) {
    throw new ConfigError(
      `no writer for format "${name}"; formats with writers: ${writers.map((w) => w.name).join(', ')}`,
    );
  }
  return found;
}

export { detectFormat, formatReading, unreadDocument } from './detect.ts';

export { likelyCharset, NotUtf8Error } from './text-input/decode.ts';
export { ForeignDocumentError, FormatError, type ParsedDocument } from './types.ts';

/**
 * Checks a character set named for documents of `format` (a connector's `encoding`, `eai map --encoding`): a label
 * the runtime decodes, for a format whose documents do not declare their own. Returns the problem, or undefined.
 */
export function encodingProblem(format: string, encoding: string): string | undefined {
  if (!isKnownCharset(encoding))
    return `character set "${encoding}" is not known (e.g. iso-8859-1, windows-1252, utf-16le)`;
  const reader = findReader(format);
  // A format some of whose documents declare none (IDoc flat files beside IDoc-XML) takes one for those.
  if (reader.declaresCharset && !reader.declaresCharsetIn)
    return `${format} documents declare their character set in ${reader.declaresCharset}; name no encoding for them`;
  return undefined;
}

/**
 * What to tell someone whose file is not UTF-8 where a character set can be named (`eai map --encoding`, `eai mdm load
 * --encoding`): what the bytes look like (`guess`) and the option that reads them (`fix`), for the set they
 * suggest (`charset`: likelyCharset, or NotUtf8Error's `likely`).
 */
export function notUtf8Advice(
  charset: string,
  /** Where the character set is named: a command's `--encoding`, or a connector file's `encoding:`. */
  where: 'option' | 'connector' = 'option',
): { guess: string; fix: string } {
  const guess = charset === 'windows-1252' ? 'Windows-1252 or Latin-1' : charset.toUpperCase();
  return {
    guess,
    fix:
      where === 'option'
        ? `name its character set, e.g. --encoding ${charset}, or convert the file`
        : `name its character set in the connector's file (encoding: ${charset}), or have the sender send UTF-8`,
  };
}

/**
 * A reader's error with that advice when it is a document that is not UTF-8, of a format that declares no character
 * set (X12, CSV, JSON), read with none named (`encoding`); any other error as it is.
 */
export function withNotUtf8Advice(
  error: unknown,
  format: string,
  encoding: string | undefined,
  where: 'option' | 'connector',
): unknown {
  if (!(error instanceof NotUtf8Error) || encoding || findReader(format).declaresCharset) return error;
  const { guess, fix } = notUtf8Advice(error.likely, where);
  return new FormatError(error.format, error.location, `${error.problem}: a ${guess} document? ${fix}`, {
    cause: error,
  });
}

/**
 * The bytes a reader of `format` takes: as they are, or decoded from `encoding` for a document that declares no
 * character set (any of a format that declares none; an IDoc flat file, not IDoc-XML).
 */
export function readerBytes(format: string, bytes: Buffer, encoding: string | undefined): Buffer {
  const reader = findReader(format);
  if (!encoding || (reader.declaresCharset && (reader.declaresCharsetIn?.(bytes) ?? true))) return bytes;
  return toUtf8(format, bytes, encoding);
}
