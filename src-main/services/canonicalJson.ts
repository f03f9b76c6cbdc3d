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
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set(), '$')
}

function write(value: unknown, ancestors: Set<object>, path: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot represent`)
      // JSON.stringify(-0) is "0": the same text for the same number.
      return JSON.stringify(value)
    case 'object': {
      if (value === null) return 'null'
      if (ancestors.has(value)) throw new TypeError(`canonicalJson: ${path} refers back to itself`)
      ancestors.add(value)
      try {
        if (Array.isArray(value)) {
          const parts: string[] = []
          for (let i = 0; i < value.length; i++) {
            const item: unknown = value[i]
            if (item === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`)
            parts.push(write(item, ancestors, `${path}[${i}]`))
          }
          return `[${parts.join(',')}]`
        }
        const proto: unknown = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) {
          const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object'
          throw new TypeError(`canonicalJson: ${path} is a ${kind}, not a plain object`)
        }
        const record = value as Record<string, unknown>
        const parts: string[] = []
        for (const key of Object.keys(record).sort()) {
          const item = record[key]
          if (item === undefined) continue
          parts.push(`${JSON.stringify(key)}:${write(item, ancestors, `${path}.${key}`)}`)
        }
        return `{${parts.join(',')}}`
      } finally {
        ancestors.delete(value)
      }
    }
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot represent`)
  }
}
