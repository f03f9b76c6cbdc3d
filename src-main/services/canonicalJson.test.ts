import { describe, expect, it } from 'vitest'
import { canonicalJson, canonicalJsonOfShape } from './canonicalJson'

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    const value = { b: 1, a: { z: [3, { y: true, x: null }], m: 'é\n"' } }
    expect(canonicalJson(value)).toBe('{"a":{"m":"é\\n\\"","z":[3,{"x":null,"y":true}]},"b":1}')
  })

  it('gives the same text whatever order the keys were added in', () => {
    expect(canonicalJson({ seq: 1, at: 2, type: 't' })).toBe(canonicalJson({ type: 't', at: 2, seq: 1 }))
  })

  it('is stable through a JSON round trip', () => {
    const value = { text: 'a\u2028b', n: -0, big: 1e21, small: 5e-324, nested: [[], {}], omitted: undefined }
    const once = canonicalJson(value)
    expect(canonicalJson(JSON.parse(once))).toBe(once)
    expect(once).not.toContain('omitted')
  })

  it('refuses values JSON would silently change', () => {
    expect(() => canonicalJson({ a: NaN })).toThrow(/\$\.a is NaN/)
    expect(() => canonicalJson([1, undefined])).toThrow(/\$\[1\] is undefined/)
    expect(() => canonicalJson({ when: new Date(0) })).toThrow(/Date, not a plain object/)
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => canonicalJson(cyclic)).toThrow(/refers back to itself/)
  })

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { k: 1 }
    expect(canonicalJson([shared, shared])).toBe('[{"k":1},{"k":1}]')
  })

  it('writes records of a known shape exactly as canonicalJson does, whatever they hold', () => {
    const write = canonicalJsonOfShape(['trainee', 'a_b', 'score', 'ok', 'none', 'Z'])
    const records: Array<Record<string, unknown>> = [
      { trainee: 'Sam', a_b: 'é\n"\u2028', score: -0, ok: true, none: null, Z: 1e21 },
      { trainee: '', a_b: 'x', score: 5e-324, ok: false, none: null, Z: -3 },
      // Not of the shape, or not scalars: canonicalJson's own text (and its refusals).
      { trainee: 'Sam', a_b: 'x', score: 1, ok: true, none: null, Z: 0, extra: [1, { b: 2, a: 1 }] },
      { trainee: 'Sam', a_b: { z: 1, y: 2 }, score: 1, ok: true, none: null, Z: 0 },
      { trainee: 'Sam', a_b: undefined, score: 1, ok: true, none: null, Z: 0 },
    ]
    for (const record of records) expect(write(record as never)).toBe(canonicalJson(record))
    expect(() => write({ trainee: 'Sam', a_b: 'x', score: NaN, ok: true, none: null, Z: 0 })).toThrow(/\$\.score is NaN/)
    expect(canonicalJsonOfShape([])({})).toBe('{}')
  })
})
