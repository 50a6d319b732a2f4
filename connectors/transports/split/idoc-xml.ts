import { MAX_DOCUMENT_BYTES } from '../../../formats/text-input/decode.ts';
import { bomLength, EMPTY, NotEnvelopeError, type SplitPiece, type Splitter } from './types.ts';

const LT = 0x3c;
const GT = 0x3e;

interface OpenIdoc {
  parts: Buffer[];
  bytes: number;
  /** Offset in the current buffer where the unsaved bytes of the piece start. */
  from: number;
  where: string;
  /** Grew past the one-document limit: its head went out as a broken piece, the rest is skipped. */
  overflow: boolean;
}

/**
 * Splits SAP IDoc-XML (`<ORDERS05><IDOC>…</IDOC><IDOC>…</IDOC></ORDERS05>`) into one file per `<IDOC>`: the piece is
 * the XML declaration, the root's start tag, the IDOC's bytes exactly as they were and the root's end tag, so it
 * reads with `sap-idoc-orders05` and keeps its DOCNUM. A byte-level scanner of the markup (comments, CDATA,
 * processing instructions and quoted attribute values are skipped as a whole), not an XML parser: the reader
 * validates each piece. Elements under the root other than IDOC are ignored, as the reader ignores them.
 */
export class IdocXmlSplitter implements Splitter {
  private carry: Buffer = EMPTY;
  private base = 0;
  private started = false;
  private depth = 0;
  private declaration: Buffer | undefined;
  private rootStart: Buffer | undefined;
  private rootName = '';
  /**
   * How deep the IDoc root sits: 0, or 2 in a SOAP envelope (`<soapenv:Envelope><soapenv:Body><ORDERS05>`: SAP's
   * IDoc SOAP service, PI / CPI SOAP channels), whose pieces are then the root without the envelope.
   */
  private rootLevel = 0;
  private envelope = '';
  private inBody = false;
  /** Inside the first root: its IDOCs are the pieces (a second root's are not, as the reader reads one). */
  private inRoot = false;
  private idoc: OpenIdoc | undefined;
  private idocNumber = 0;
  private emitted = 0;
  private readonly maxPieceBytes: number;

  constructor(maxPieceBytes = MAX_DOCUMENT_BYTES) {
    this.maxPieceBytes = maxPieceBytes;
  }

  push(chunk: Buffer): SplitPiece[] {
    return this.scan(this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk, false);
  }

  end(): SplitPiece[] {
    const out = this.scan(this.carry, true);
    this.carry = EMPTY;
    if (this.idoc) {
      if (!this.idoc.overflow) this.emit(this.idoc, out, 'truncated: the file ends inside this IDOC');
      this.idoc = undefined;
    }
    if (this.emitted === 0) {
      const where = this.rootStart
        ? `<${this.rootName}>`
        : this.envelope
          ? `<${this.envelope}>`
          : 'end of file';
      const what = this.rootStart
        ? `no <IDOC> element under <${this.rootName}>`
        : this.envelope
          ? 'no IDoc (<ORDERS05><IDOC>…) in the SOAP Body'
          : 'no root element';
      throw new NotEnvelopeError('idoc-xml', where, what);
    }
    return out;
  }

  private scan(buf: Buffer, final: boolean): SplitPiece[] {
    const out: SplitPiece[] = [];
    let pos = 0;
    if (!this.started) {
      if (buf.length < 2 && !final) {
        this.carry = Buffer.from(buf);
        return out;
      }
      if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
        // Its reader decodes a UTF-16 IDoc (SAP's XML port can write one) whole; this byte scanner reads UTF-8 and
        // single-byte XML only, so such a file is refused saying what to do rather than as one without IDOCs.
        throw new NotEnvelopeError(
          'idoc-xml',
          'byte 0',
          'a UTF-16 file (by its byte-order mark): the idoc-xml split reads UTF-8 or single-byte XML; convert the file to UTF-8, or have it read whole (up to 8 MiB: splitAboveBytes at least its size)',
        );
      }
      pos = bomLength(buf);
      this.started = true;
    }
    if (this.idoc) this.idoc.from = 0;
    for (;;) {
      const lt = buf.indexOf(LT, pos);
      if (lt === -1) {
        pos = buf.length;
        break;
      }
      const end = markupEnd(buf, lt);
      if (end === -1) {
        pos = lt;
        if (final) this.unterminated(buf, lt, out);
        break;
      }
      this.markup(buf, lt, end, out);
      pos = end + 1;
    }
    const rest = buf.subarray(pos);
    if (this.idoc) {
      const idoc = this.idoc;
      if (!idoc.overflow) {
        const saved = buf.subarray(idoc.from, pos);
        idoc.parts.push(saved);
        idoc.bytes += saved.length;
        if (idoc.bytes + rest.length > this.maxPieceBytes) {
          idoc.parts.push(rest);
          this.emit(
            idoc,
            out,
            `over the ${this.maxPieceBytes}-byte limit for one document; the rest is skipped`,
          );
          idoc.overflow = true;
          idoc.parts = [];
        }
      }
    } else if (rest.length > this.maxPieceBytes) {
      throw new NotEnvelopeError('idoc-xml', `byte ${this.base + pos}`, 'markup not closed within 8 MiB');
    }
    this.base += pos;
    this.carry = Buffer.from(rest);
    return out;
  }

  /** A tag, comment or declaration from `lt` to `end` (the closing `>`) inclusive. */
  private markup(buf: Buffer, lt: number, end: number, out: SplitPiece[]): void {
    const next = buf[lt + 1];
    if (next === 0x3f /* ? */) {
      if (this.depth === 0 && !this.declaration && buf.toString('latin1', lt, lt + 6) === '<?xml ') {
        this.declaration = Buffer.from(buf.subarray(lt, end + 1));
      }
      return;
    }
    if (next === 0x21 /* ! */) {
      if (this.depth === 0 && /^<!DOCTYPE/i.test(buf.toString('latin1', lt, lt + 9))) {
        // The reader refuses DTDs (entity expansion); a file that declares one has nothing readable in it.
        throw new NotEnvelopeError(
          'idoc-xml',
          `byte ${this.base + lt}`,
          'DOCTYPE declarations are not accepted',
        );
      }
      return;
    }
    if (next === 0x2f /* / */) {
      this.depth--;
      if (this.depth === this.rootLevel + 1 && this.idoc) this.closeIdoc(buf, end, out);
      if (this.depth === this.rootLevel) this.inRoot = false;
      if (this.envelope && this.depth === 1) this.inBody = false;
      return;
    }
    const selfClosing = buf[end - 1] === 0x2f;
    const name = elementName(buf, lt);
    if (this.depth === 0 && !this.envelope && !this.rootStart && localName(name) === 'Envelope') {
      this.envelope = name;
      this.rootLevel = 2;
      if (!selfClosing) this.depth = 1;
      return;
    }
    if (this.envelope && this.depth === 1 && localName(name) === 'Body') this.inBody = !selfClosing;
    if (this.depth === this.rootLevel && (!this.envelope || this.inBody)) {
      // A second root: the reader would refuse the file (in an envelope, read the first); the pieces ignore it.
      if (!this.rootStart) {
        this.rootStart = Buffer.from(buf.subarray(lt, end + 1));
        this.rootName = name;
        this.inRoot = !selfClosing;
      }
      if (!selfClosing) this.depth++;
      return;
    }
    // IDOC bare or namespace-qualified (`<idoc:IDOC>`), as the reader takes it.
    if (this.depth === this.rootLevel + 1 && this.inRoot && localName(name) === 'IDOC') {
      this.idocNumber++;
      this.idoc = {
        parts: [],
        bytes: 0,
        from: lt,
        where: `/${this.rootName}/${name}[${this.idocNumber}] (byte ${this.base + lt})`,
        overflow: false,
      };
      if (selfClosing) this.closeIdoc(buf, end, out);
    }
    if (!selfClosing) this.depth++;
  }

  private closeIdoc(buf: Buffer, end: number, out: SplitPiece[]): void {
    const idoc = this.idoc!;
    this.idoc = undefined;
    if (idoc.overflow) return;
    idoc.parts.push(buf.subarray(idoc.from, end + 1));
    this.emit(idoc, out, undefined);
  }

  /** Markup that never closes before the end of the file. */
  private unterminated(buf: Buffer, lt: number, out: SplitPiece[]): void {
    const idoc = this.idoc;
    this.idoc = undefined;
    if (!idoc || idoc.overflow) return;
    idoc.parts.push(buf.subarray(idoc.from));
    this.emit(idoc, out, `truncated: markup at byte ${this.base + lt} is never closed`);
  }

  private emit(idoc: OpenIdoc, out: SplitPiece[], note: string | undefined): void {
    const parts: Buffer[] = [];
    if (this.declaration) parts.push(this.declaration, NEWLINE);
    if (this.rootStart) parts.push(this.rootStart, NEWLINE);
    parts.push(...idoc.parts, NEWLINE, Buffer.from(`</${this.rootName}>\n`));
    this.emitted++;
    out.push({
      bytes: Buffer.concat(parts),
      where: note ? `${idoc.where}: ${note}` : idoc.where,
      broken: note !== undefined,
    });
  }
}

const NEWLINE = Buffer.from('\n');

/** The index of the `>` that ends the markup starting at `lt`, or -1 when it is not in the buffer yet. */
function markupEnd(buf: Buffer, lt: number): number {
  if (lt + 1 >= buf.length) return -1;
  const next = buf[lt + 1];
  if (next === 0x21 /* ! */) {
    if (lt + 9 > buf.length) return -1;
    if (buf.toString('latin1', lt, lt + 4) === '<!--') return endOf(buf, lt + 4, '-->');
    if (buf.toString('latin1', lt, lt + 9) === '<![CDATA[') return endOf(buf, lt + 9, ']]>');
    return buf.indexOf(GT, lt);
  }
  if (next === 0x3f /* ? */) return endOf(buf, lt + 2, '?>');
  let quote = 0;
  for (let i = lt + 1; i < buf.length; i++) {
    const b = buf[i];
    if (quote !== 0) {
      if (b === quote) quote = 0;
    } else if (b === 0x22 || b === 0x27) {
      quote = b;
    } else if (b === GT) {
      return i;
    }
  }
  return -1;
}

function endOf(buf: Buffer, from: number, closing: string): number {
  const i = buf.indexOf(closing, from, 'latin1');
  return i === -1 ? -1 : i + closing.length - 1;
}

/** `Envelope` of `soapenv:Envelope`. */
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function elementName(buf: Buffer, lt: number): string {
  let i = lt + 1;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b === GT || b === 0x2f || b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) break;
    i++;
  }
  return buf.toString('utf8', lt + 1, i);
}
