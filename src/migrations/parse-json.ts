/**
 * A strict JSON parser (RFC 8259, accepting exactly what `JSON.parse` accepts) that also reports where
 * things are: the offset of a syntax error, and the span of every object, array and object member.
 * Hand-written because `JSON.parse` gives no spans and its error offsets are only sometimes in the message,
 * and no parser that reports positions is a project dependency. Offsets are UTF-16 indexes into the text.
 */

export interface TextSpan {
  start: number
  end: number
}

export type JsonParseResult =
  | { ok: true; value: unknown; spans: JsonSpans }
  | { ok: false; message: string; offset: number }

export interface JsonSpans {
  /** Span of an object or array value of the parsed document. */
  of(node: object): TextSpan | undefined
  /** Span from a member's key to the end of its value. */
  ofMember(node: object, key: string): TextSpan | undefined
}

export function parseJson(text: string): JsonParseResult {
  const parser = new JsonParser(text)
  try {
    const value = parser.document()
    return { ok: true, value, spans: parser }
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ok: false, message: error.message, offset: error.offset }
    if (error instanceof RangeError) return { ok: false, message: 'nesting too deep', offset: parser.pos }
    throw error
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
  }
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const HEX4 = /^[0-9a-fA-F]{4}$/
// The scanning loops run on cold code (a journal is parsed once per run): a native regex skips runs of
// whitespace and of plain string characters much faster than a loop over `charCodeAt`.
const WHITESPACE = /[ \t\n\r]*/y
const PLAIN_STRING_CHARACTERS = /[^"\\\u0000-\u001f]*/y

class JsonParser implements JsonSpans {
  pos = 0
  private readonly nodeSpans = new WeakMap<object, TextSpan>()
  private readonly memberSpans = new WeakMap<object, Map<string, TextSpan>>()

  /** `recordMembers`: keep every member's span too (only asked for to point at a problem, so not at first). */
  constructor(
    private readonly text: string,
    private readonly recordMembers = false,
  ) {}

  of(node: object): TextSpan | undefined {
    return this.nodeSpans.get(node)
  }

  ofMember(node: object, key: string): TextSpan | undefined {
    const span = this.nodeSpans.get(node)
    if (!span || Array.isArray(node)) return undefined
    // The object is parsed again from its start, this time recording where its members are.
    const parser = new JsonParser(this.text, true)
    parser.pos = span.start
    return parser.memberSpans.get(parser.object())?.get(key)
  }

  document(): unknown {
    const value = this.value()
    this.skipWhitespace()
    if (this.pos < this.text.length) this.fail('unexpected content after the JSON value')
    return value
  }

  private value(): unknown {
    this.skipWhitespace()
    const c = this.text[this.pos]
    switch (c) {
      case '{':
        return this.object()
      case '[':
        return this.array()
      case '"':
        return this.string()
      case 't':
        return this.literal('true', true)
      case 'f':
        return this.literal('false', false)
      case 'n':
        return this.literal('null', null)
      case undefined:
        return this.fail('unexpected end of input')
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number()
        return this.fail(`unexpected character ${JSON.stringify(c)}`)
    }
  }

  private object(): Record<string, unknown> {
    const start = this.pos++
    const object: Record<string, unknown> = {}
    const members = this.recordMembers ? new Map<string, TextSpan>() : undefined
    this.skipWhitespace()
    if (this.text[this.pos] === '}') this.pos++
    else {
      for (;;) {
        this.skipWhitespace()
        if (this.text[this.pos] !== '"') this.fail('expected a double-quoted property name')
        const keyStart = this.pos
        const key = this.string()
        this.skipWhitespace()
        if (this.text[this.pos] !== ':') this.fail("expected ':' after property name")
        this.pos++
        const value = this.value()
        // Own data property even for `__proto__`, as JSON.parse does (defining every key that way is slow).
        if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
        else object[key] = value
        members?.set(key, { start: keyStart, end: this.pos })
        if (this.afterElement('}', "expected ',' or '}' after property value")) break
      }
    }
    this.nodeSpans.set(object, { start, end: this.pos })
    if (members) this.memberSpans.set(object, members)
    return object
  }

  private array(): unknown[] {
    const start = this.pos++
    const array: unknown[] = []
    this.skipWhitespace()
    if (this.text[this.pos] === ']') this.pos++
    else {
      for (;;) {
        array.push(this.value())
        if (this.afterElement(']', "expected ',' or ']' after array element")) break
      }
    }
    this.nodeSpans.set(array, { start, end: this.pos })
    return array
  }

  /** Consumes `,` (returns false) or the closing bracket (returns true). */
  private afterElement(close: string, message: string): boolean {
    this.skipWhitespace()
    const c = this.text[this.pos]
    if (c !== ',' && c !== close) this.fail(message)
    this.pos++
    return c === close
  }

  private string(): string {
    this.pos++
    let out = ''
    for (;;) {
      PLAIN_STRING_CHARACTERS.lastIndex = this.pos
      PLAIN_STRING_CHARACTERS.test(this.text)
      out += this.text.slice(this.pos, PLAIN_STRING_CHARACTERS.lastIndex)
      this.pos = PLAIN_STRING_CHARACTERS.lastIndex
      const code = this.text.charCodeAt(this.pos)
      if (code === 0x22) {
        this.pos++
        return out
      }
      if (code === 0x5c) out += this.escape()
      else if (Number.isNaN(code)) this.fail('unterminated string')
      else this.fail('control character in string')
    }
  }

  private escape(): string {
    const c = this.text[this.pos + 1] ?? ''
    const simple = ESCAPES[c]
    if (simple !== undefined) {
      this.pos += 2
      return simple
    }
    const hex = this.text.slice(this.pos + 2, this.pos + 6)
    if (c === 'u' && HEX4.test(hex)) {
      this.pos += 6
      return String.fromCharCode(parseInt(hex, 16))
    }
    return this.fail('bad escape sequence')
  }

  private number(): number {
    NUMBER.lastIndex = this.pos
    if (!NUMBER.test(this.text)) this.fail('bad number')
    const start = this.pos
    this.pos = NUMBER.lastIndex
    return Number(this.text.slice(start, this.pos))
  }

  private literal<T>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length
      return value
    }
    for (const expected of word) {
      const c = this.text[this.pos]
      if (c !== expected) this.fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`)
      this.pos++
    }
    return value
  }

  private skipWhitespace(): void {
    // Everything above the space character ends the run at once: no regex call.
    if (this.text.charCodeAt(this.pos) > 0x20) return
    WHITESPACE.lastIndex = this.pos
    WHITESPACE.test(this.text)
    this.pos = WHITESPACE.lastIndex
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos)
  }
}
