import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { offeredPhrasings } from '@core/engine/phrasings'
import { choicesAt } from '@core/engine/world'
import { loadScenarioText } from '@core/scenario/loader'
import type { Choice } from '@core/scenario/schema'

/**
 * The order of phrasings is the session seed's, not the author's: over the
 * library, the good phrasing sits at key 1 about as often as chance would put
 * it there, while every order is still a pure function of (seed, beat).
 */

const library = fileURLToPath(new URL('../scenarios/library', import.meta.url))
const scenarios = readdirSync(library)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))
  .map((f) => loadScenarioText(readFileSync(join(library, f), 'utf8'), f))
const GOOD = ['empathy', 'explains-why', 'next-steps']
const BAD = ['accusatory', 'unprofessional', 'retention-pressure', 'discloses', 'pin-hint']
/** A phrasing a good agent would pick: a good tag and no bad one. */
const isGood = (c: Choice) => c.tags.some((t) => GOOD.includes(t)) && !c.tags.some((t) => BAD.includes(t))
const goodTags = (c: Choice) => (isGood(c) ? c.tags.filter((t) => GOOD.includes(t)).length : 0)
/** Beats where the choice matters (a good phrasing of its own and a trap side by side), with the best: the one with the most good tags. */
const decisions = scenarios.flatMap((s) =>
  Object.entries(s.beats)
    .filter(([, b]) => !b.ending && b.choices.some(isGood))
    .map(([beat, b]) => ({ scenario: s, beat, choices: choicesAt(s, beat), best: b.choices.reduce((x, y) => (goodTags(y) > goodTags(x) ? y : x)).id }))
    .filter((d) => d.choices.some((c) => !isGood(c))),
)
const SEEDS = Array.from({ length: 500 }, (_, i) => i + 1)

describe('the order of phrasings', () => {
  it('is the same for the same seed and beat, and offers every phrasing once', () => {
    for (const { scenario, beat, choices } of decisions) {
      const a = offeredPhrasings(scenario, beat, 42).map((c) => c.id)
      expect(offeredPhrasings(scenario, beat, 42).map((c) => c.id)).toEqual(a)
      expect([...a].sort()).toEqual(choices.map((c) => c.id).sort())
    }
  })

  it('puts the best phrasing at key 1 about as often as chance, not as often as the author wrote it first', () => {
    let authorFirst = 0
    let shuffledFirst = 0
    let chance = 0
    for (const { scenario, beat, choices, best } of decisions) {
      if (choices[0]!.id === best) authorFirst += SEEDS.length
      chance += SEEDS.length / choices.length
      for (const seed of SEEDS) if (offeredPhrasings(scenario, beat, seed)[0]!.id === best) shuffledFirst++
    }
    const total = decisions.length * SEEDS.length
    const rate = (n: number) => Math.round((n / total) * 1000) / 10
    console.log(`best phrasing at key 1 over ${decisions.length} decision beats x ${SEEDS.length} seeds: author's order ${rate(authorFirst)}%, shuffled ${rate(shuffledFirst)}%, chance ${rate(chance)}%`)
    expect(decisions.length).toBeGreaterThan(3)
    expect(Math.abs(shuffledFirst - chance) / total).toBeLessThan(0.05)
  })

  it('differs between seeds, so two trainees rarely see the same keys', () => {
    const { scenario, beat } = decisions.find((d) => d.choices.length >= 3)!
    const orders = new Set(SEEDS.map((seed) => offeredPhrasings(scenario, beat, seed).map((c) => c.id).join()))
    expect(orders.size).toBeGreaterThan(3)
  })
})
