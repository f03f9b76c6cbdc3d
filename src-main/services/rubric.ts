import { parse } from 'yaml'
import { Rubric } from '@core/scoring/rubric'
import { checkRubric } from '@core/scoring/scorer'
import { readUntrustedFile } from './untrustedFile'

/** The rubric is a few KiB; it sits in the library folder, so it is read like any file there. */
const MAX_RUBRIC_BYTES = 256 * 1024

/** Reads scenarios/rubric.yaml and refuses a rubric the scorer cannot apply one to one. */
export function loadRubric(path: string): Rubric {
  const read = readUntrustedFile(path, MAX_RUBRIC_BYTES)
  if (!read.ok) throw new Error(`Cannot read the rubric at ${path}: ${read.message}.`)
  let data: unknown
  try {
    data = parse(read.bytes.toString('utf8'), { uniqueKeys: true, maxAliasCount: 0 })
  } catch (err) {
    throw new Error(`Cannot read the rubric at ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  const result = Rubric.safeParse(data)
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new Error(`The rubric at ${path} is not valid: ${detail}`)
  }
  checkRubric(result.data)
  return result.data
}
