import type { Scenario } from '../scenario/schema'

/**
 * What a trainee must not be able to read before the call ends: the keys that
 * carry the caller type and the caller's ground truth, and the author's texts
 * that say who the caller is. Tests walk every API result for them.
 */
export const ANSWER_KEY_FIELDS = [
  'caller',
  'callerFacts',
  'identity',
  'claimsToBe',
  'knows',
  'holds',
  'guesses',
  'relaysCodes',
  'suppliedNumber',
  'redFlags',
  'goodPractice',
  'goodPath',
  'summary',
  'fraudulent',
  'lineHijacked',
  'tactics',
  'tags',
  'beat',
  'beats',
  'ending',
  'rules',
  'played',
  'report',
] as const

const FIELDS: ReadonlySet<string> = new Set(ANSWER_KEY_FIELDS)

/** Texts only the author and the report may show: the summary, the red flags, good practice, endings. */
function answerTexts(scenario: Scenario): string[] {
  return [
    scenario.summary,
    ...scenario.redFlags,
    ...(scenario.goodPractice ? [scenario.goodPractice] : []),
    ...Object.values(scenario.beats).flatMap((b) => (b.ending ? [b.ending.summary] : [])),
  ].filter((t) => t.length >= 12)
}

/** Every place in `value` (a JSON-like API result) that leaks part of the answer key, as "path: why". */
export function answerKeyLeaks(value: unknown, scenarios: readonly Scenario[]): string[] {
  const texts = scenarios.flatMap(answerTexts)
  const leaks: string[] = []
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      for (const text of texts) if (node.includes(text)) leaks.push(`${path}: contains the author's text “${text.slice(0, 40)}…”`)
      return
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${path}[${i}]`))
      return
    }
    if (typeof node !== 'object' || node === null) return
    for (const [key, child] of Object.entries(node)) {
      if (FIELDS.has(key) && child !== null && child !== undefined) leaks.push(`${path}.${key}: an answer-key field`)
      walk(child, `${path}.${key}`)
    }
  }
  walk(value, '$')
  return leaks
}
