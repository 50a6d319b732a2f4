/** Counts line feeds incrementally so every segment gets its line number in one linear pass. */
export class LineCounter {
  private readonly text: string;
  private position = 0;
  private currentLine = 1;
  constructor(text: string) {
    this.text = text;
  }
  /** Line (1-based) of `index`; indexes must be asked in increasing order. */
  lineAt(index: number): number {
    let next = this.text.indexOf('\n', this.position);
    while (next !== -1 && next < index) {
      this.currentLine++;
      next = this.text.indexOf('\n', next + 1);
    }
    this.position = index;
    return this.currentLine;
  }
}

export function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * What may stand between segments and after the last one without being data: blanks and line breaks, and the padding
 * transfers leave at a file's end: NUL bytes (a fixed-block or binary-mode transfer fills its last block with them)
 * and Ctrl-Z (0x1A, the end-of-file mark DOS-era translators and VAN mailboxes append).
 */
export function isFiller(code: number): boolean {
  return isWhitespace(code) || code === 0x00 || code === 0x1a;
}
