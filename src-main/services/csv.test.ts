import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvCell, toCsv } from './csv'

/** A strict RFC 4180 reader, written from the RFC's grammar, to check what a spreadsheet would see. */
function parseRfc4180(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let i = 0
  for (;;) {
    let field = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field')
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += text[i++]
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        if (text[i] === '"' || text[i] === '\n') throw new Error(`bare ${JSON.stringify(text[i])} in an unquoted field at ${i}`)
        field += text[i++]
      }
    }
    row.push(field)
    if (text[i] === ',') {
      i++
      continue
    }
    if (text.slice(i, i + 2) !== '\r\n') throw new Error(`expected CRLF at ${i}`)
    i += 2
    rows.push(row)
    row = []
    if (i === text.length) return rows
  }
}

describe('CSV export (RFC 4180)', () => {
  it('quotes commas, quotes and line breaks, doubling quotes', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('Whitfield, Dana')).toBe('"Whitfield, Dana"')
    expect(csvCell('said "for your protection"')).toBe('"said ""for your protection"""')
    expect(csvCell('line one\nline two')).toBe('"line one\nline two"')
    expect(csvCell('a\r\nb')).toBe('"a\r\nb"')
  })

  it('neutralises cells a spreadsheet would run as a formula, and leaves numbers alone', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`)
    expect(csvCell('+1 555 0100 134')).toBe("'+1 555 0100 134")
    expect(csvCell('-25 false positive')).toBe("'-25 false positive")
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell('\tcmd')).toBe("'\tcmd")
    expect(csvCell(-25)).toBe('-25')
    expect(csvCell(100)).toBe('100')
    expect(csvCell(Number.NaN)).toBe('')
    expect(csvCell(null)).toBe('')
    expect(csvCell(true)).toBe('true')
  })

  it('writes a header and a row per record, every line ending in CRLF', () => {
    const csv = toCsv(
      [
        { header: 'trainee', value: (r: { trainee: string; score: number | null }) => r.trainee },
        { header: 'score', value: (r) => r.score },
      ],
      [
        { trainee: 'Robin', score: 100 },
        { trainee: 'Lee, "Sam"', score: null },
      ],
    )
    expect(csv).toBe('trainee,score\r\nRobin,100\r\n"Lee, ""Sam""",\r\n')
  })

  it('round-trips any text through a strict RFC 4180 reader; only formula starts gain an apostrophe', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: 'grapheme-ascii' }), { minLength: 1, maxLength: 5 }), { maxLength: 6 }), (table) => {
        const width = Math.max(1, ...table.map((r) => r.length))
        const rows = table.map((r) => Array.from({ length: width }, (_, k) => r[k] ?? ''))
        const columns = Array.from({ length: width }, (_, k) => ({ header: `c${k}`, value: (row: string[]) => row[k] }))
        const parsed = parseRfc4180(toCsv(columns, rows))
        expect(parsed[0]).toEqual(columns.map((c) => c.header))
        const expected = rows.map((r) => r.map((cell) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)))
        expect(parsed.slice(1)).toEqual(expected)
      }),
      { numRuns: 500 },
    )
  })
})
