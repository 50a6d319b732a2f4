import { describe, expect, it } from 'vitest';
import { findWriter, writers } from './index.ts';

/** What every writer says of its documents: the file extension a file sink names them by, the media type an HTTP sink sends. */
describe('format writers: extension and media type', () => {
  it('every writer declares an extension with its dot and a media type a Content-Type header takes', () => {
    for (const writer of writers) {
      expect(writer.extension, writer.name).toMatch(/^\.[a-z0-9]+$/);
      expect(writer.mediaType, writer.name).toMatch(/^[a-z]+\/[a-z0-9.+-]+(; ?charset=utf-8)?$/i);
      // A Content-Type header the fetch API sends as it is.
      expect(new Headers({ 'content-type': writer.mediaType }).get('content-type')).toBe(writer.mediaType);
    }
  });

  it('names each by what it writes: a table, JSON bodies, IDoc XML, X12', () => {
    const declared = Object.fromEntries(writers.map((w) => [w.name, [w.extension, w.mediaType]]));
    expect(declared).toEqual({
      csv: ['.csv', 'text/csv; charset=utf-8'],
      json: ['.json', 'application/json'],
      'sap-idoc-orders05': ['.xml', 'application/xml'],
      'salesforce-sobject': ['.json', 'application/json'],
      'hubspot-batch-upsert': ['.json', 'application/json'],
      'odoo-res-partner': ['.json', 'application/json'],
      'logistics-despatch-request': ['.json', 'application/json'],
      'logistics-return-authorization': ['.json', 'application/json'],
      'x12-855': ['.x12', 'application/EDI-X12'],
      'x12-856': ['.x12', 'application/EDI-X12'],
    });
    expect(findWriter('csv').mediaType).toBe('text/csv; charset=utf-8');
  });
});
