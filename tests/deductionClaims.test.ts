import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { actionAlphabet } from '@core/analysis/paths'
import { advance, compileScenario, startCall, type CompiledScenario } from '@core/engine/compile'
import type { CallContext } from '@core/engine/world'
import { loadScenarioText } from '@core/scenario/loader'
import { makeScenario } from '@core/testing/scenarios'
import { NOTE_ITEM_LABELS, NOTE_ITEMS, TEAM_LABELS, type NoteItem, type PhrasingTag } from '@core/scenario/vocabulary'
import { claimHolds } from '@core/scoring/claims'
import type { Deduction, ScoreReport } from '@core/scoring/report'
import { scoreSession } from '@core/scoring/scorer'
import type { AgentAction, SessionEvent } from '@core/session/events'
import { TRANSCRIPT_START_AT, TRANSCRIPT_STEP_MS } from '@core/session/transcript'
import { loadRubric } from '../src-main/services/rubric'

/**
 * Every sentence a report prints must be true of the call it is printed for
 * (issue 7, case 11). Random calls (legal action sequences through the
 * compiled machine of every library scenario, and of three small ones that
 * reach rules the library does not) are scored, and each deduction
 * is checked against the call's own log twice over: the structured claims the
 * scorer attaches to it (scoring/claims.ts) must hold, and the sentence
 * itself, read as a trainee reads it, must say nothing the log contradicts
 * (so a claim list that drifts from its sentence is caught too).
 */

const ROOT = join(__dirname, '..')
const LIBRARY = join(ROOT, 'scenarios', 'library')
const rubric = loadRubric(join(ROOT, 'scenarios', 'rubric.yaml'))
const library: CompiledScenario[] = [
  ...readdirSync(LIBRARY)
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))
    .sort()
    .map((f) => loadScenarioText(readFileSync(join(LIBRARY, f), 'utf8'), f)),
  // Rules no library call reaches yet: an account already over R7's limit, a caller who relays codes (R6), wrong PINs to hit the limit.
  makeScenario({ id: 'unit-prior-attempts', account: { priorFailedAttempts: rubric.policy.failedAttemptsPer24h } }),
  makeScenario({ id: 'unit-relayed-code', callerFacts: { relaysCodes: true } }),
  makeScenario({ id: 'unit-wrong-pins', callerFacts: { guesses: { pin: ['111111', '222222', '333333'] } } }),
].map((scenario) => compileScenario(scenario, rubric.policy))

interface Call {
  compiled: CompiledScenario
  events: SessionEvent[]
  context: CallContext
  report: ScoreReport
}

/** A random legal call: each pick chooses from what the console offers in the beat the call is in. */
type Pick = { action: number | AgentAction['type']; variant: number; noteItems: boolean[]; noteText: number }

function playRandom(compiled: CompiledScenario, picks: readonly Pick[], hangUp: boolean): Call {
  let snapshot = startCall(compiled, 1)
  const events: SessionEvent[] = []
  const take = (action: AgentAction) => {
    const seq = events.length + 1
    const event = { ...action, seq, at: TRANSCRIPT_START_AT + seq * TRANSCRIPT_STEP_MS } as SessionEvent
    snapshot = advance(compiled, snapshot, event)
    events.push(event)
  }
  for (const pick of picks) {
    if (snapshot.status !== 'active') break
    const alphabet = actionAlphabet(compiled.scenario, snapshot.context.beat)
    const candidates = typeof pick.action === 'number' ? alphabet : alphabet.filter((a) => a.type === pick.action)
    if (!candidates.length) continue
    let action = candidates[(typeof pick.action === 'number' ? pick.action : pick.variant) % candidates.length]!
    // Notes vary on their own: ticked items and the words of the text are separate things the rubric may read.
    if (action.type === 'note') {
      const items = NOTE_ITEMS.filter((_, i) => pick.noteItems[i])
      const texts = ['', 'Factors used: PIN. Outcome: denied. Red flags: urgency. Referred to fraud.', 'ok']
      action = { type: 'note', items, text: texts[pick.noteText % texts.length]! }
    }
    take(action)
  }
  if (hangUp && snapshot.status === 'active') take({ type: 'end-call' })
  return { compiled, events, context: snapshot.context, report: scoreSession(compiled, rubric, 1, events) }
}

// ---------- what the log says ----------

const did = (events: readonly SessionEvent[], type: SessionEvent['type']) => events.some((e) => e.type === type)
const noted = (call: Call, item: NoteItem) => call.events.some((e) => e.type === 'note' && e.items.includes(item))
const saidWith = (call: Call, tag: PhrasingTag) =>
  call.events.some((e) => {
    if (e.type !== 'say') return false
    const beats = Object.values(call.compiled.scenario.beats).flatMap((b) => b.choices)
    return [...beats, ...call.compiled.scenario.choices].some((c) => c.id === e.choice && c.tags.includes(tag))
  })
/** A sentence that says the rubric reads the note's ticked items (not its words). */
const TICKED_ITEMS = /\b(tick|ticked|box|boxes|checklist)\b/i
const VERIFYING: ReadonlyArray<SessionEvent['type']> = ['ask-pin', 'send-otp', 'use-caller-id', 'callback-verify']

/** A claim a sentence makes, and how the log shows it true. */
interface Claim {
  says: RegExp
  truth: string
  holds: (call: Call, d: Deduction) => boolean
}

const CLAIMS: Claim[] = [
  // Why a change was blocked (world.blockReason): each clause must be true when the change was made.
  {
    says: /when the agent had flagged the account/,
    truth: 'the agent flagged the account before the change',
    holds: (call, d) => call.events.some((e) => e.type === 'flag-account' && e.seq < d.seq!),
  },
  {
    says: /when the failed-attempt limit had been reached/,
    truth: 'the failed-attempt limit was reached before the change',
    holds: (call, d) => call.context.attemptLimitSeq !== null && call.context.attemptLimitSeq < d.seq!,
  },
  {
    says: /when the account had \d+ failed attempts in/,
    truth: 'the account had that many failed attempts, earlier calls included',
    holds: (call) => call.compiled.scenario.account.priorFailedAttempts + call.context.failedAttempts >= rubric.policy.failedAttemptsPer24h,
  },
  { says: /when a relayed code voided verification/, truth: 'a relayed code voided verification', holds: (call) => call.context.voidFactorSeq !== null },
  { says: /after the failed-attempt limit/i, truth: 'the failed-attempt limit was reached', holds: (call) => call.context.attemptLimitSeq !== null },
  { says: /^A denial (must|explains)/, truth: 'the agent denied the request', holds: (call) => did(call.events, 'deny') },
  { says: /^No note:/, truth: 'the call has no note', holds: (call) => !did(call.events, 'note') },
  {
    says: /^No note ticks "([^"]+)"/,
    truth: 'no note ticks that box, and the sentence says the score reads the ticked boxes, not the text (a note may say in words what no box ticks)',
    holds: (call, d) => {
      const label = /^No note ticks "([^"]+)"/.exec(d.message)![1]
      const item = NOTE_ITEMS.find((i) => NOTE_ITEM_LABELS[i] === label)
      return item !== undefined && !noted(call, item) && TICKED_ITEMS.test(d.message)
    },
  },
  { says: /^Never checked notes/, truth: 'the account was never checked', holds: (call) => !did(call.events, 'check-account') },
  { says: /only after deciding/, truth: 'the account was checked', holds: (call) => did(call.events, 'check-account') },
  {
    says: /without trying to verify/i,
    truth: 'nothing was done to verify the caller (a PIN, a code, caller ID or a callback) before the decision',
    holds: (call, d) => !call.events.some((e) => VERIFYING.includes(e.type) && e.seq < (d.seq ?? Infinity)),
  },
  {
    says: /^Escalated to the .*; this call needed/,
    truth: 'the agent escalated to that team',
    holds: (call, d) => call.events.some((e) => e.type === 'escalate' && d.message.startsWith(`Escalated to the ${TEAM_LABELS[e.team].toLowerCase()};`)),
  },
  { says: /^Hung up without a word/, truth: 'the agent said nothing and ended the call', holds: (call) => !did(call.events, 'say') && did(call.events, 'end-call') },
  { says: /^Escalated (only after|a verified)/, truth: 'the agent escalated', holds: (call) => did(call.events, 'escalate') },
  { says: /got the change|^Performed a high-risk change|^Issued a transfer PIN|^Gave the account number|change was made/i, truth: 'a high-risk change was made', holds: (call) => did(call.events, 'perform-hrt') },
  {
    says: /never asked for/,
    truth: 'a change other than those asked for was made',
    holds: (call) => call.events.some((e) => e.type === 'perform-hrt' && !call.compiled.scenario.requests.some((r) => r.kind === e.kind)),
  },
  { says: /^Accusatory wording|^Accused/, truth: 'the agent chose accusatory words', holds: (call) => saidWith(call, 'accusatory') },
  { says: /Pressed a verified customer to stay/, truth: 'the agent chose retention pressure', holds: (call) => saidWith(call, 'retention-pressure') },
  { says: /^Asked for the .*(as if it proved identity|"to be safe")/, truth: 'the agent asked a knowledge question', holds: (call) => did(call.events, 'ask-knowledge') },
  { says: /^Read out the/, truth: 'the agent read out a detail', holds: (call) => did(call.events, 'confirm-detail') },
  { says: /^Sent a code to/, truth: 'the agent sent a code', holds: (call) => did(call.events, 'send-otp') },
  { says: /^Suspended the line/, truth: 'the agent suspended the line', holds: (call) => did(call.events, 'suspend-line') },
  { says: /^Counted the displayed caller ID/, truth: 'the agent used caller ID as a factor', holds: (call) => did(call.events, 'use-caller-id') },
  { says: /^Accepted a favour/, truth: "the agent accepted the caller's offer", holds: (call) => did(call.events, 'accept-offer') },
]

/** Rubric ids are for the rubric file; a trainee reads sentences. */
const INTERNAL_ID = /\b(OUT-[a-z][a-z-]*|CF\d+|[A-E]\d)\b/

function falseClaims(call: Call): string[] {
  const out: string[] = []
  for (const c of call.report.criticalFailures)
    for (const claim of c.claims) if (!claimHolds(claim, call.events)) out.push(`${c.id}'s claim ${JSON.stringify(claim)} is false: ${c.message}`)
  for (const d of call.report.deductions) {
    for (const claim of d.claims) if (!claimHolds(claim, call.events)) out.push(`${d.item}'s claim ${JSON.stringify(claim)} is false: ${d.message}`)
    // Step 0 is the call's opening, before the agent's first action.
    if (d.seq !== null && d.seq !== 0 && !call.events.some((e) => e.seq === d.seq)) out.push(`${d.item} points at step ${d.seq}, which the call does not have: ${d.message}`)
    for (const claim of CLAIMS) if (claim.says.test(d.message) && !claim.holds(call, d)) out.push(`${d.item} says "${d.message}", but not: ${claim.truth}`)
    for (const claim of CLAIMS) if (claim.says.test(d.message)) sentencesChecked.add(claim.says.source)
    if (INTERNAL_ID.test(d.message)) out.push(`${d.item}'s sentence shows a rubric id: ${d.message}`)
  }
  for (const text of [call.report.outcome.label, ...call.report.criticalFailures.flatMap((c) => [c.title, c.message]), ...call.context.transcript.map((l) => l.text)])
    if (INTERNAL_ID.test(text)) out.push(`trainee-facing text shows a rubric id: ${text}`)
  return out
}

/** Actions a call turns on, drawn more often than the whole alphabet would draw them. */
const TURNING: ReadonlyArray<AgentAction['type']> = ['ask-pin', 'send-otp', 'check-account', 'flag-account', 'deny', 'say', 'offer-safe-path', 'perform-hrt', 'escalate', 'note']
/** Which sentence checks met a sentence: a check that never meets one checks nothing (its wording may have changed). */
const sentencesChecked = new Set<string>()

const pick: fc.Arbitrary<Pick> = fc.record({
  action: fc.oneof({ weight: 1, arbitrary: fc.nat({ max: 10_000 }) }, { weight: 2, arbitrary: fc.constantFrom(...TURNING) }),
  variant: fc.nat({ max: 1000 }),
  noteItems: fc.array(fc.boolean(), { minLength: NOTE_ITEMS.length, maxLength: NOTE_ITEMS.length }), noteText: fc.nat({ max: 2 }) })

describe('every deduction sentence is true of the call it is printed for', () => {
  it('holds for random legal calls on every library scenario', () => {
    fc.assert(
      fc.property(fc.constantFrom(...library.map((c) => c.scenario.id)), fc.array(pick, { minLength: 0, maxLength: 14 }), fc.boolean(), (id, picks, hangUp) => {
        const compiled = library.find((c) => c.scenario.id === id)!
        const call = playRandom(compiled, picks, hangUp)
        const problems = falseClaims(call)
        if (problems.length) throw new Error(`${compiled.scenario.id}, actions ${call.events.map((e) => e.type).join(', ')}:\n  ${problems.join('\n  ')}`)
      }),
      { numRuns: 4000, seed: 7 },
    )
    expect(CLAIMS.map((c) => c.says.source).filter((source) => !sentencesChecked.has(source)), 'sentence checks that met no sentence').toEqual([])
  })

  it('the checks catch a false sentence', () => {
    const compiled = library[0]!
    const call = playRandom(compiled, [], true)
    const lie = (message: string): Deduction => ({ item: 'C1', rule: 'R13', points: 10, seq: null, message, claims: [] })
    const withLie = (message: string) => falseClaims({ ...call, report: { ...call.report, deductions: [lie(message)] } })
    expect(withLie('A denial must still give the real account holder a safe path.')).toHaveLength(1)
    expect(withLie('Performed a high-risk change when the agent had flagged the account, blocking changes.')).toHaveLength(2)
    expect(withLie('Asked for the date of birth as if it proved identity; see OUT-non-factor.')).toHaveLength(2)
    expect(withLie('No note ticks "Outcome" (R19).')).toHaveLength(1) // true of a call with no note, but silent on what the score reads
    expect(withLie('Keep a professional tone (R20).')).toEqual([])
    const falseClaim: Deduction = { ...lie('Keep a professional tone (R20).'), claims: [{ took: 'deny', seq: 1 }] }
    expect(falseClaims({ ...call, report: { ...call.report, deductions: [falseClaim] } })).toEqual([expect.stringContaining('claim {"took":"deny","seq":1} is false')])
  })
})
