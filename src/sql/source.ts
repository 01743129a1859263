/** 1-based line and column (UTF-16 code units, as editors and GitHub count them) plus the 0-based offset in the file text. */
export interface Position {
  line: number
  column: number
  offset: number
}

export interface SourceRange {
  start: Position
  end: Position
}

/** Maps offsets in a file's text to line/column positions. Built once per file; lookups are binary searches. */
export class LineIndex {
  private readonly lineStarts: number[]

  constructor(readonly text: string) {
    this.lineStarts = [0]
    // indexOf searches natively: a loop over every character costs more on a whole migration history.
    for (let eol = text.indexOf('\n'); eol !== -1; eol = text.indexOf('\n', eol + 1)) this.lineStarts.push(eol + 1)
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length))
    let low = 0
    let high = this.lineStarts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if ((this.lineStarts[mid] as number) <= clamped) low = mid
      else high = mid - 1
    }
    return { line: low + 1, column: clamped - (this.lineStarts[low] as number) + 1, offset: clamped }
  }

  rangeOf(start: number, end: number): SourceRange {
    return { start: this.positionAt(start), end: this.positionAt(end) }
  }

  get lineCount(): number {
    return this.lineStarts.length
  }
}
