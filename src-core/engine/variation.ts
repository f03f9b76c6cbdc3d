import { eachText, mayVary, PLACEHOLDER } from '../scenario/variation'
import type { Scenario } from '../scenario/schema'
import { mix32 } from './random'

/**
 * Variation (the session side): which alternative of each declared variant a
 * session gets is a pure function of its seed, so two trainees rarely hear
 * the same call and any session replays exactly from its seed. Variants only
 * ever reach text (see src-core/scenario/variation.ts for why), so the
 * machine, the analysis and the score are the same for every pick.
 */

/** Keeps these draws apart from the codes' and the phrasings' order. */
const VARIANT_STREAM = 0x7a21

/** The alternative each variant takes in a session with this seed. */
export function variantPicks(scenario: Scenario, seed: number): Record<string, string> {
  const picks: Record<string, string> = {}
  for (const [name, values] of Object.entries(scenario.variants)) picks[name] = values[mix32((seed ^ nameHash(name)) >>> 0, VARIANT_STREAM) % values.length]!
  return picks
}

/** A text with each `{name}` replaced by this session's pick. */
export function realiseText(text: string, picks: Readonly<Record<string, string>>): string {
  return text.includes('{') ? text.replace(PLACEHOLDER, (whole, name: string) => picks[name] ?? whole) : text
}

/**
 * The scenario as this session presents it: every text field that may vary,
 * realised. What the console shows (the account panel, the phrasings) comes
 * from this; the call's lines are realised as they are spoken (compile.ts).
 */
export function realiseScenario(scenario: Scenario, seed: number): Scenario {
  if (Object.keys(scenario.variants).length === 0) return scenario
  const picks = variantPicks(scenario, seed)
  // A scenario is plain data (validated YAML), so a JSON round trip copies it exactly.
  const copy = JSON.parse(JSON.stringify(scenario)) as Record<string, unknown>
  eachText(copy, [], (text, path) => {
    if (!mayVary(path)) return
    let node = copy as Record<string | number, unknown>
    for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>
    node[path.at(-1)!] = realiseText(text, picks)
  })
  return copy as unknown as Scenario
}

function nameHash(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/** The realising of spoken lines for a compiled scenario: identity when it declares no variants, picks cached per seed. */
export function lineRealiser(scenario: Scenario): (text: string, seed: number) => string {
  if (Object.keys(scenario.variants).length === 0) return (text) => text
  const cache = new Map<number, Record<string, string>>()
  return (text, seed) => {
    let picks = cache.get(seed)
    if (!picks) cache.set(seed, (picks = variantPicks(scenario, seed)))
    return realiseText(text, picks)
  }
}
