/** A 1-based line and column, as editors and GitHub annotations count them. */
export interface Position {
  line: number;
  /** Counted in UTF-16 code units, as jsonc-parser and VS Code count them. */
  column: number;
}

/** Converts character offsets of one text to 1-based lines and columns; `\r\n`, `\r` and `\n` each end a line. */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(text: string) {
    for (let offset = 0; offset < text.length; offset++) {
      const char = text[offset];
      if (char === '\r' && text[offset + 1] === '\n') {
        offset++;
        this.lineStarts.push(offset + 1);
      } else if (char === '\n' || char === '\r') {
        this.lineStarts.push(offset + 1);
      }
    }
  }

  positionAt(offset: number): Position {
    // Binary search for the last line that starts at or before the offset.
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((this.lineStarts[middle] ?? 0) <= offset) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return { line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 };
  }
}
