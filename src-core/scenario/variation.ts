import { problem, type PendingProblem, type ProblemPath } from './lint'
import type { Scenario } from './schema'

/**
 * Variation (the format side): a scenario declares `variants`, each a name
 * and its alternatives, and writes `{name}` where one goes. The session seed
 * picks one alternative per name (src-core/engine/variation.ts).
 *
 * Why variants cannot change the machine: a placeholder may appear only in
 * the text fields listed here, every one of which the engine only ever
 * copies into what is shown or said (caller lines, phrasings, endings, the
 * account as the console shows it). Ids, actions, conditions, the caller's
 * knowledge and holdings, phone numbers and the PIN cannot hold one (their
 * formats exclude braces, and the check below refuses a placeholder in any
 * other string). So every variant of a scenario compiles to the same states,
 * branches and guards, and scores the same log the same: linting the
 * scenario once covers all of its variants.
 */

/** `{name}`: a variant's place in a text. */
export const PLACEHOLDER = /\{([a-z][a-z0-9-]*)\}/g

type Path = ProblemPath

/** The fields whose text may vary, as path patterns ('*' is any key or index). */
const VARYING_FIELDS: ReadonlyArray<readonly string[]> = [
  ['beats', '*', 'say'],
  ['beats', '*', 'say', '*'],
  ['beats', '*', 'choices', '*', 'text'],
  ['beats', '*', 'on', '*', 'say'],
  ['beats', '*', 'on', '*', 'say', '*'],
  ['beats', '*', 'ending', 'summary'],
  ['choices', '*', 'text'],
  ['on', '*', 'say'],
  ['on', '*', 'say', '*'],
  ['request', 'summary'],
  ['account', 'holder'],
  ['account', 'dob'],
  ['account', 'address'],
  ['account', 'plan'],
  ['account', 'lastPayment'],
  ['account', 'activationDate'],
  ['account', 'email', 'address'],
  ['account', 'device', 'model'],
  ['account', 'notes', '*', 'text'],
  ['account', 'recentChanges', '*', 'detail'],
  ['callerFacts', 'claimsToBe'],
]

export function mayVary(path: readonly (string | number)[]): boolean {
  return VARYING_FIELDS.some((pattern) => pattern.length === path.length && pattern.every((p, i) => p === '*' || p === String(path[i])))
}

/** Every string in the scenario with its path, for the checks below and for substitution. */
export function eachText(value: unknown, path: Path, visit: (text: string, path: Path) => void): void {
  if (typeof value === 'string') visit(value, path)
  else if (Array.isArray(value)) value.forEach((v, i) => eachText(v, [...path, i], visit))
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) eachText(v, [...path, k], visit)
}

/** The structural checks of variation: placeholders name declared variants, sit only where text may vary, and every variant is used. */
export function variationProblems(scenario: Scenario): PendingProblem[] {
  const out: PendingProblem[] = []
  const declared = Object.keys(scenario.variants)
  const used = new Set<string>()
  const { variants: _variants, ...rest } = scenario
  eachText(rest, [], (text, path) => {
    for (const match of text.matchAll(PLACEHOLDER)) {
      const name = match[1]!
      used.add(name)
      if (!declared.includes(name))
        out.push(problem('error', path, `'{${name}}' is not a declared variant`, declared.length ? `variants are ${declared.map((d) => `{${d}}`).join(', ')}; declare it under 'variants'` : `declare it under 'variants', e.g. variants: { ${name}: [first, second] }`))
      else if (!mayVary(path))
        out.push(problem('error', path, `a variant cannot be used here: only caller lines, phrasings, endings, the request summary and the account's display details may vary`, 'the title, briefing and summary are read before a session (and its seed) exists; everything else can change what the call does'))
    }
  })
  for (const [name, values] of Object.entries(scenario.variants)) {
    if (!used.has(name)) out.push(problem('warning', ['variants', name], `variant '${name}' is never used`, `write {${name}} where it goes, or remove it`))
    values.forEach((v, i) => {
      if (v.match(PLACEHOLDER)) out.push(problem('error', ['variants', name, i], 'an alternative cannot itself hold a variant', 'write it out in full'))
    })
    const seen = new Set<string>()
    values.forEach((v, i) => {
      if (seen.has(v)) out.push(problem('warning', ['variants', name, i], `'${v}' is listed twice for '${name}'`, 'each alternative once'))
      seen.add(v)
    })
  }
  return out
}
