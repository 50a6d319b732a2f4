import { describe, expect, it } from 'vitest';
import { FormatError } from '../types.ts';
import { decodeCharset, isKnownCharset, MAX_DOCUMENT_BYTES, toUtf8 } from './decode.ts';

describe('toUtf8: a partner file in the character set it is written in, as UTF-8', () => {
  it('reads windows-1252 and ISO-8859-1 bytes as their characters', () => {
    const latin = Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x80]); // Müller€ in windows-1252
    expect(toUtf8('x12', latin, 'windows-1252').toString('utf8')).toBe('Müller€');
    expect(toUtf8('x12', latin.subarray(0, 6), 'ISO-8859-1').toString('utf8')).toBe('Müller');
  });

  it('takes bytes that are UTF-8 (or ASCII) as they are, the same buffer, for every single-byte charset', () => {
    const utf8 = Buffer.from('Müller', 'utf8');
    const ascii = Buffer.from('ST*856*0001~', 'ascii');
    for (const charset of ['windows-1252', 'iso-8859-1', 'iso-8859-2', 'koi8-r']) {
      expect(toUtf8('x12', utf8, charset)).toBe(utf8);
      expect(toUtf8('x12', ascii, charset)).toBe(ascii);
    }
  });

  it('decodes a multi-byte charset every time with the same answer (one decoder per label, reused)', () => {
    const utf16 = Buffer.from('\ufeffMüller', 'utf16le');
    for (let i = 0; i < 3; i++) expect(toUtf8('csv', utf16, 'utf-16le').toString('utf8')).toBe('Müller');
    expect(() => decodeCharset('csv', Buffer.from([0x00, 0xd8]), 'utf-16le')).toThrow(/not valid utf-16le/);
    expect(toUtf8('csv', utf16, 'utf-16le').toString('utf8')).toBe('Müller');
  });

  it('refuses a label the runtime does not know, and a document over the limit', () => {
    expect(() => toUtf8('csv', Buffer.from('a'), 'klingon-1')).toThrow(
      'character set "klingon-1" is not supported',
    );
    expect(isKnownCharset('klingon-1')).toBe(false);
    expect(isKnownCharset(' Windows-1252 ')).toBe(true);
    expect(() => toUtf8('csv', Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0x61), 'windows-1252')).toThrow(
      FormatError,
    );
  });
});
