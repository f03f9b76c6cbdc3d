import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bestGoodCall } from '@core/analysis/paths'
import { advance, compileScenario, startCall, type CompiledScenario } from '@core/engine/compile'
import { choicesAt } from '@core/engine/world'
import { loadScenarioText } from '@core/scenario/loader'
import type { Choice, Scenario } from '@core/scenario/schema'
import type { PhrasingTag } from '@core/scenario/vocabulary'
import type { ScoreReport } from '@core/scoring/report'
import { scoreSession } from '@core/scoring/scorer'
import type { AgentAction, SessionEvent } from '@core/session/events'
import { TRANSCRIPT_START_AT, TRANSCRIPT_STEP_MS } from '@core/session/transcript'
import { loadRubric } from '../src-main/services/rubric'

/**
 * Strategy ranking (issue 7, case 12; DOMAIN.md: "a trainee who refuses
 * everyone must score visibly worse than one who gets the balance right").
 * Scripted agents play every library scenario through the real compiled
 * machine and the real scorer; each agent's score is the library mean with
 * fraud calls weighted 60% and legitimate ones (ambiguous included) 40%.
 */

const ROOT = join(__dirname, '..')
const LIBRARY = join(ROOT, 'scenarios', 'library')
const rubric = loadRubric(join(ROOT, 'scenarios', 'rubric.yaml'))
const SEED = 1
const FRAUD_WEIGHT = 0.6

const library: CompiledScenario[] = readdirSync(LIBRARY)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))
  .sort()
  .map((f) => compileScenario(loadScenarioText(readFileSync(join(LIBRARY, f), 'utf8'), f), rubric.policy))

/** A scripted agent's next move: an action, or a phrasing chosen from what the beat offers. */
type Step = AgentAction | { type: 'say-politely' }

/** The politest phrasing on offer: kind and explaining, never accusatory or leaking. */
function politest(choices: readonly Choice[]): Choice | undefined {
  const worth = (tags: readonly PhrasingTag[]) =>
    tags.filter((t) => ['empathy', 'explains-why', 'next-steps', 'safe-path', 'protective', 'professional'].includes(t)).length -
    10 * tags.filter((t) => ['accusatory', 'unprofessional', 'retention-pressure', 'discloses', 'pin-hint'].includes(t)).length
  return [...choices].sort((a, b) => worth(b.tags) - worth(a.tags))[0]
}

/** Plays the steps in order until the call ends, and scores the call. */
function play(compiled: CompiledScenario, steps: readonly Step[]): ScoreReport {
  let snapshot = startCall(compiled, SEED)
  const events: SessionEvent[] = []
  for (const step of steps) {
    if (snapshot.status !== 'active') break
    let action: AgentAction
    if (step.type === 'say-politely') {
      const choice = politest(choicesAt(compiled.scenario, snapshot.context.beat))
      if (!choice) continue
      action = { type: 'say', choice: choice.id }
    } else action = step
    const seq = events.length + 1
    const event = { ...action, seq, at: TRANSCRIPT_START_AT + seq * TRANSCRIPT_STEP_MS } as SessionEvent
    snapshot = advance(compiled, snapshot, event)
    events.push(event)
  }
  return scoreSession(compiled, rubric, SEED, events)
}

const knowledgeQuestions = (scenario: Scenario): Step[] => [
  { type: 'ask-knowledge', question: 'dob' },
  { type: 'ask-knowledge', question: 'ssn-last4' },
  { type: 'ask-knowledge', question: 'address' },
  ...comply(scenario),
]
/** Every change the caller asks for, in order, the way the console offers it (with notice and hold). */
const comply = (scenario: Scenario): Step[] => scenario.requests.map((r) => ({ type: 'perform-hrt', kind: r.kind, notify: true, hold: true }))

const STRATEGIES: Record<string, (compiled: CompiledScenario) => ScoreReport> = {
  /** Follows the policy: the shortest call that scores 100, found by the search. */
  'policy-following': (compiled) => {
    const good = bestGoodCall(compiled, rubric)
    if (!good) throw new Error(`${compiled.scenario.id}: the search finds no call that scores 100`)
    return play(compiled, good.events)
  },
  /** Refuses everyone, kindly, and always offers a safe path. */
  'polite always-deny': (compiled) =>
    play(compiled, [{ type: 'deny' }, { type: 'say-politely' }, { type: 'offer-safe-path', path: 'store-with-id' }, { type: 'say-politely' }, { type: 'end-call' }]),
  /** Refuses everyone and says nothing more (shown in the table; the ranking asks for the polite one). */
  'blunt always-deny': (compiled) => play(compiled, [{ type: 'deny' }, { type: 'end-call' }]),
  /** Ends the call before doing anything. */
  'hang-up at once': (compiled) => play(compiled, [{ type: 'end-call' }]),
  /** "Verifies" with knowledge questions only (not factors, R3), then does what is asked. */
  'knowledge-question-only': (compiled) => play(compiled, [...knowledgeQuestions(compiled.scenario), { type: 'say-politely' }, { type: 'end-call' }]),
  /** Does what is asked, at once. */
  'always-comply': (compiled) => play(compiled, [...comply(compiled.scenario), { type: 'say-politely' }, { type: 'end-call' }]),
}
const reports = Object.fromEntries(Object.entries(STRATEGIES).map(([name, agent]) => [name, library.map((compiled) => agent(compiled))]))

/** The library mean, fraud calls weighted 60% and legitimate (and ambiguous) calls 40%. */
function weightedMean(scores: readonly ScoreReport[]): number {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const fraud = scores.filter((r) => r.callerType === 'fraud').map((r) => r.score)
  const legitimate = scores.filter((r) => r.callerType !== 'fraud').map((r) => r.score)
  return Math.round((FRAUD_WEIGHT * mean(fraud) + (1 - FRAUD_WEIGHT) * mean(legitimate)) * 10) / 10
}
const means = Object.fromEntries(Object.entries(reports).map(([name, scores]) => [name, weightedMean(scores)]))

const table = [
  `${'strategy'.padEnd(26)}${'60/40 mean'.padStart(11)}  ${library.map((c) => c.scenario.id).join(' | ')}`,
  ...Object.entries(reports).map(([name, scores]) => `${name.padEnd(26)}${String(means[name]).padStart(11)}  ${scores.map((r) => `${r.score}${r.compliance === 'fail' ? ' CF' : ''}`).join(' | ')}`),
].join('\n')

describe(`strategy ranking over the library (${library.length} scenarios; ${Object.entries(means).map(([n, m]) => `${n} ${m}`).join(', ')})`, () => {
  it('prints the table', () => {
    console.log(`Strategy ranking, 60/40 fraud/legitimate:\n${table}`)
    expect(library.filter((c) => c.scenario.caller === 'fraud').length).toBeGreaterThan(0)
    expect(library.filter((c) => c.scenario.caller !== 'fraud').length).toBeGreaterThan(0)
  })

  it('a policy-following agent scores 100 on every scenario', () => {
    expect(reports['policy-following']!.map((r) => [r.scenarioId, r.score])).toEqual(library.map((c) => [c.scenario.id, 100]))
  })

  it('policy-following > polite always-deny > hang-up at once', () => {
    expect(means['policy-following']).toBeGreaterThan(means['polite always-deny']!)
    expect(means['polite always-deny']).toBeGreaterThan(means['hang-up at once']!)
  })

  it('refusing everyone, bluntly or politely, scores visibly worse than following the policy', () => {
    for (const deny of ['polite always-deny', 'blunt always-deny']) expect(means['policy-following']! - means[deny]!).toBeGreaterThanOrEqual(25)
  })

  it('hanging up at once scores below refusing, bluntly or politely', () => {
    expect(means['hang-up at once']).toBeLessThan(means['blunt always-deny']!)
    expect(means['hang-up at once']).toBeLessThan(means['polite always-deny']!)
  })

  it('knowledge-question-only < polite always-deny', () => {
    expect(means['knowledge-question-only']).toBeLessThan(means['polite always-deny']!)
  })

  it.each(['always-comply', 'knowledge-question-only'])('%s hits a critical failure on every fraud scenario', (name) => {
    const fraud = reports[name]!.filter((r) => r.callerType === 'fraud')
    expect(fraud.filter((r) => r.compliance !== 'fail').map((r) => `${r.scenarioId}: ${r.score}, ${r.outcome.label}`)).toEqual([])
  })
})
