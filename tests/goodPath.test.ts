import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { searchGoodPath } from '@core/analysis/paths'
import { compileScenario, type CompiledScenario } from '@core/engine/compile'
import type { SessionEvent } from '@core/engine/events'
import { loadScenarioText } from '@core/scenario/loader'
import { scoreSession } from '@core/scoring/scorer'
import { TEST_RUBRIC } from '@core/testing/scenarios'

const dir = new URL('../scenarios/library/', import.meta.url)
const library: CompiledScenario[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))
  .sort()
  .map((file) => compileScenario(loadScenarioText(readFileSync(new URL(file, dir), 'utf8'), file), TEST_RUBRIC.policy))
const goodPaths = new Map<string, SessionEvent[]>()
const goodPathOf = (c: CompiledScenario): SessionEvent[] => {
  let events = goodPaths.get(c.scenario.id)
  if (!events) goodPaths.set(c.scenario.id, (events = searchGoodPath(c, TEST_RUBRIC).best!.events))
  return events
}

/** Issue 7, case 10: "what a good agent would have done" is a whole call the scorer gives 100. */
describe('issue 7', () => {
  it('case 10: the good path is a whole call that scores 100 on the scorer, every step in it', () => {
    for (const c of library) {
      const good = goodPathOf(c)
      const replayed = scoreSession(c, TEST_RUBRIC, 1, good)
      expect(replayed.score, c.scenario.id).toBe(100)
      expect(replayed.deductions, c.scenario.id).toEqual([])
      // It ends the call (an unfinished call has no verdict) and the report lists exactly these steps.
      expect(good.at(-1)!.type === 'end-call' || replayed.ended, c.scenario.id).toBe(true)
      // The steps the report lists are the call: replaying them is what scored 100 above.
      expect(good.every((e: SessionEvent, i) => e.seq === i + 1), c.scenario.id).toBe(true)
    }
  }, 300_000)

  it('case 10: airport-stolen-phone needs no code and no flag, and its text asks for neither', () => {
    // R4 asks two factors for a change, not a code for a refusal, and the caller says the line of record
    // is the stolen phone; R7's flag follows failed attempts, and an unknown PIN is none. The good call
    // asks for the PIN, refuses with the store path and SIM Protection, refers to fraud (R17) and notes it.
    const c = library.find((x) => x.scenario.id === 'airport-stolen-phone')!
    const good = goodPathOf(c)
    expect(good.map((e) => e.type)).not.toContain('send-otp')
    expect(good.map((e) => e.type)).not.toContain('flag-account')
    for (const step of ['ask-pin', 'escalate', 'note', 'end-call']) expect(good.map((e) => e.type)).toContain(step)
    expect(good.some((e) => e.type === 'offer-safe-path' && e.path === 'store-with-id')).toBe(true)
    expect(c.scenario.goodPractice).not.toMatch(/\bflag\b|\bcode to the line of record\b/i)
    // Both are still allowed: the same call with them added scores 100 too.
    const withBoth = [...good.slice(0, 2), { type: 'send-otp', to: 'line-of-record' }, ...good.slice(2, -1), { type: 'flag-account' }, good.at(-1)!].map(
      (e, i) => ({ ...e, seq: i + 1, at: 1_000_000 + i * 1000 }) as SessionEvent,
    )
    expect(scoreSession(c, TEST_RUBRIC, 1, withBoth).score).toBe(100)
  }, 300_000)
})
