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

  it('case 10: every step a goodPractice text asks for is a step of the good path shown beside it', () => {
    const missing = library.flatMap((c) => {
      const text = c.scenario.goodPractice ?? ''
      const good = goodPathOf(c)
      return ASKS.filter((a) => a.words.test(text) && !good.some(a.does)).map((a) => `${c.scenario.id}: the text asks for ${a.step} (${text.match(a.words)![0]}), the good path has none`)
    })
    expect(missing).toEqual([])
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

/**
 * The steps a goodPractice text asks for, by the words it asks with, and the
 * step of the good path that does each. An author who writes "flag the
 * account" promises the trainee that the call shown under it flags it.
 */
const ASKS: Array<{ words: RegExp; step: string; does: (e: SessionEvent) => boolean }> = [
  { words: /\bflag (the|his|her) account\b/i, step: 'flag-account', does: (e) => e.type === 'flag-account' },
  { words: /\bnotify\b/i, step: 'notify-customer', does: (e) => e.type === 'notify-customer' },
  { words: /\bcall(ing)? back\b/i, step: 'callback-verify', does: (e) => e.type === 'callback-verify' },
  { words: /\bsuspend the line\b/i, step: 'suspend-line', does: (e) => e.type === 'suspend-line' },
  { words: /\bask for the PIN\b|\bwith the PIN\b|\bPIN and a code\b|\bPIN \+/i, step: 'ask-pin', does: (e) => e.type === 'ask-pin' },
  { words: /\bcode to the (line|phone) of record\b/i, step: 'send-otp: line-of-record', does: (e) => e.type === 'send-otp' && e.to === 'line-of-record' },
  { words: /\bemail code\b/i, step: 'send-otp: email-of-record', does: (e) => e.type === 'send-otp' && e.to === 'email-of-record' },
  { words: /\b(escalat\w*|refer\w*|report\w*)( it| the call| the approach| this)? to (the )?fraud\b/i, step: 'escalate: fraud', does: (e) => e.type === 'escalate' && e.team === 'fraud' },
  { words: /\blegal-process team\b/i, step: 'escalate: legal', does: (e) => e.type === 'escalate' && e.team === 'legal' },
  { words: /\bSIM Protection\b.*\boffer|\boffer SIM Protection\b/i, step: 'offer-safe-path: lock-enrolment', does: (e) => e.type === 'offer-safe-path' && e.path === 'lock-enrolment' },
  { words: /\bnotice\b/i, step: 'perform-hrt with the notice', does: (e) => e.type === 'perform-hrt' && e.notify },
  { words: /\bhold\b/i, step: 'perform-hrt with the hold', does: (e) => e.type === 'perform-hrt' && e.hold },
  { words: /\bnote\b/i, step: 'note', does: (e) => e.type === 'note' },
]
