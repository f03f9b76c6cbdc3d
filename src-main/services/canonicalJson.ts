/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, recursively), no
 * whitespace, numbers and strings as JSON.stringify writes them.
 *
 * The session hash chain hashes this text, so the same value must always give
 * the same bytes, and the text must parse back to a value with the same
 * canonical form. That is why values JSON would silently change are refused
 * instead of coerced: NaN and Infinity (JSON writes null), undefined inside an
 * array (null), bigint, functions, symbols, class instances such as Date or Map
 * (toJSON and friends), and cycles. An object property whose value is
 * undefined is left out, as JSON.stringify does; that round-trips unchanged.
 *
 * It runs on every append, so the happy path allocates little: the path named
 * in an error ("$.a[2]") is only assembled while the error unwinds.
 */
export function canonicalJson(value: unknown): string {
  try {
    return write(value, [])
  } catch (error) {
    if (error instanceof Refusal) throw new TypeError(`canonicalJson: $${error.path} ${error.problem}`, { cause: error })
    throw error
  }
}

class Refusal extends Error {
  path = ''
  constructor(readonly problem: string) {
    super(problem)
  }
}

function within(error: unknown, step: string): unknown {
  if (error instanceof Refusal) error.path = step + error.path
  return error
}

function write(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new Refusal(`is ${value}, which JSON cannot represent`)
      // JSON.stringify(-0) is "0": the same text for the same number.
      return JSON.stringify(value)
    case 'object': {
      if (value === null) return 'null'
      if (ancestors.includes(value)) throw new Refusal('refers back to itself')
      ancestors.push(value)
      let text: string
      if (Array.isArray(value)) {
        text = '['
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i]
          try {
            if (item === undefined) throw new Refusal('is undefined')
            text += (i === 0 ? '' : ',') + write(item, ancestors)
          } catch (error) {
            throw within(error, `[${i}]`)
          }
        }
        text += ']'
      } else {
        const proto: unknown = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) {
          const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object'
          throw new Refusal(`is a ${kind}, not a plain object`)
        }
        const record = value as Record<string, unknown>
        text = '{'
        let first = true
        for (const key of Object.keys(record).sort()) {
          const item = record[key]
          if (item === undefined) continue
          try {
            text += (first ? '' : ',') + JSON.stringify(key) + ':' + write(item, ancestors)
          } catch (error) {
            throw within(error, `.${key}`)
          }
          first = false
        }
        text += '}'
      }
      ancestors.pop()
      return text
    }
    default:
      throw new Refusal(`is a ${typeof value}, which JSON cannot represent`)
  }
}

/**
 * canonicalJson for records of one known shape whose values are scalars
 * (strings, finite numbers, booleans, null): the keys are sorted once for the
 * shape, not once per record, which matters where every listed row is
 * signed. A record of any other shape or value is written by canonicalJson
 * itself, so the text is always canonicalJson's (a test holds the two equal).
 */
export function canonicalJsonOfShape<K extends string>(keys: readonly K[]): (record: Readonly<Partial<Record<K, unknown>>>) => string {
  const sorted = [...keys].sort()
  const prefixes = sorted.map((key, i) => (i === 0 ? '{' : ',') + JSON.stringify(key) + ':')
  return (record) => {
    if (Object.keys(record).length !== sorted.length) return canonicalJson(record)
    let text = ''
    for (let i = 0; i < sorted.length; i++) {
      const value: unknown = record[sorted[i]!]
      let json: string
      if (typeof value === 'string') json = JSON.stringify(value)
      else if (typeof value === 'number' && Number.isFinite(value)) json = JSON.stringify(value)
      else if (value === null) json = 'null'
      else if (typeof value === 'boolean') json = value ? 'true' : 'false'
      else return canonicalJson(record)
      text += prefixes[i]! + json
    }
    return sorted.length ? `${text}}` : '{}'
  }
}
