/**
 * CSV for supervisors' exports: RFC 4180 (comma-separated, CRLF line ends,
 * a field quoted when it holds a comma, a quote, CR or LF, quotes doubled)
 * and safe to open in a spreadsheet.
 *
 * Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and, in some,
 * a tab or CR) as a formula, so a trainee's name or note such as
 * `=HYPERLINK(...)` could act when a supervisor opens the export. Text cells
 * that start so are prefixed with an apostrophe, which the spreadsheet shows
 * as text (OWASP's CSV injection advice). Numbers are written as numbers and
 * never prefixed: -5 is a value, not a formula.
 */

export type CsvCell = string | number | boolean | null | undefined

const FORMULA_START = /^[=+\-@\t\r]/
const NEEDS_QUOTES = /[",\r\n]/

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return ''
    return String(value)
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV document: a header row, then one row per record, every line ending in CRLF. */
export function toCsv<Row>(columns: ReadonlyArray<{ header: string; value: (row: Row) => CsvCell }>, rows: Iterable<Row>): string {
  const lines = [columns.map((column) => csvCell(column.header)).join(',')]
  for (const row of rows) lines.push(columns.map((column) => csvCell(column.value(row))).join(','))
  return lines.map((line) => `${line}\r\n`).join('')
}
