import { describe, expect, it } from 'vitest'
import { parseJson } from '../../src/migrations/parse-json.js'

const documents = [
  '{}',
  '[]',
  ' \t\r\n{ "a" : [1, -2.5e+3, 0, 0.25, 1E2, true, false, null, "x"] } \n',
  '"caf\\u00e9 \\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t"',
  '"\\ud83d\\ude00 and a lone \\ud800"',
  '{"a":1,"a":2}',
  '-0',
  '1e999',
  '',
  ' ',
  '{"a":1,}',
  '[1,2,]',
  '{"a" 1}',
  '{a:1}',
  "{'a':1}",
  '{"a":01}',
  '{"a":+1}',
  '{"a":.5}',
  '{"a":1.}',
  '{"a":tru}',
  '{"a":"x\ny"}',
  '"\\x"',
  '"\\u12g4"',
  '"unterminated',
  '{"a":1}}',
  '\uFEFF{}',
  '{"a":1} // comment',
  '[1 2]',
  'NaN',
  '\u00a0{}',
]

describe('parseJson', () => {
  it.each(documents)('accepts or rejects %j exactly as JSON.parse does, with the same value', (text) => {
    let expected: { ok: true; value: unknown } | { ok: false }
    try {
      expected = { ok: true, value: JSON.parse(text) }
    } catch {
      expected = { ok: false }
    }
    const result = parseJson(text)
    expect(result.ok).toBe(expected.ok)
    if (result.ok && expected.ok) expect(result.value).toStrictEqual(expected.value)
  })

  it.each([
    { text: '{"a":1,}', offset: 7, message: 'expected a double-quoted property name' },
    { text: '{"a":1', offset: 6, message: "expected ',' or '}' after property value" },
    { text: '[1 2]', offset: 3, message: "expected ',' or ']' after array element" },
    { text: '{"a" 1}', offset: 5, message: "expected ':' after property name" },
    { text: '{"a":tru}', offset: 8, message: 'unexpected character "}"' },
    { text: '{"a":"x\ny"}', offset: 7, message: 'control character in string' },
    { text: '"\\x"', offset: 1, message: 'bad escape sequence' },
    { text: '{"a":1}}', offset: 7, message: 'unexpected content after the JSON value' },
    { text: '', offset: 0, message: 'unexpected end of input' },
    { text: '"abc', offset: 4, message: 'unterminated string' },
  ])('reports $message at offset $offset in $text', ({ text, offset, message }) => {
    expect(parseJson(text)).toEqual({ ok: false, message, offset })
  })

  it('gives the span of every object and array and of every member from its key to the end of its value', () => {
    const text = '{ "entries": [ { "tag": "a" }, {"tag":"b"} ] }'
    const result = parseJson(text)
    if (!result.ok) throw new Error(result.message)
    const journal = result.value as { entries: object[] }
    const slice = (span: { start: number; end: number } | undefined) => (span ? text.slice(span.start, span.end) : undefined)
    expect(slice(result.spans.of(journal))).toBe(text)
    expect(slice(result.spans.of(journal.entries))).toBe('[ { "tag": "a" }, {"tag":"b"} ]')
    expect(journal.entries.map((entry) => slice(result.spans.of(entry)))).toEqual(['{ "tag": "a" }', '{"tag":"b"}'])
    expect(slice(result.spans.ofMember(journal.entries[1]!, 'tag'))).toBe('"tag":"b"')
    expect(result.spans.ofMember(journal.entries[1]!, 'missing')).toBeUndefined()
  })

  it('keeps a "__proto__" key as an own property instead of changing the prototype', () => {
    const result = parseJson('{"__proto__": {"polluted": true}}')
    expect(result.ok && Object.getPrototypeOf(result.value)).toBe(Object.prototype)
    expect(result.ok && Object.keys(result.value as object)).toEqual(['__proto__'])
  })

  it('rejects absurdly deep nesting instead of overflowing the stack', () => {
    expect(parseJson('['.repeat(200_000))).toMatchObject({ ok: false, message: 'nesting too deep' })
  })
})
