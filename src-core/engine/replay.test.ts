import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createActor } from 'xstate'
import { makeScenario, TEST_RUBRIC } from '../testing/scenarios'
import {
  DISCLOSABLE_FIELDS,
  ESCALATION_TEAMS,
  HRT_KINDS,
  KNOWLEDGE_QUESTIONS,
  NOTE_ITEMS,
  OTP_DESTINATIONS,
  SAFE_PATHS,
} from '../scenario/vocabulary'
import type { AgentAction, SessionEvent } from './events'
import { advance, compileScenario, replay, startCall, type CallSnapshot } from './compile'

/**
 * Replay must be exact: the console's live actor, a fresh replay of the log,
 * and a snapshot persisted at any cut and restored before the tail all agree on
 * state, context and score.
 */

const scenario = makeScenario({
  tactics: ['urgency', 'breach-data'],
  callerFacts: { knows: ['name', 'dob', 'pin'], holds: ['new-sim'], guesses: { pin: ['000000'] }, relaysCodes: false },
  on: [
    { action: 'ask-knowledge', say: 'See, I know everything.', tactics: ['breach-data'] },
    { action: 'perform-hrt', goto: 'done' },
  ],
  beats: {
    opening: {
      say: 'Hi, new SIM please.',
      tactics: ['urgency'],
      choices: [{ id: 'hello', text: 'Happy to help.', tags: ['empathy'] }],
      on: [
        { action: 'ask-pin', when: { factors: 1 }, say: 'There you go.', goto: 'verified' },
        { action: 'deny', goto: 'pushback' },
      ],
    },
    verified: {
      say: 'So can you do it?',
      on: [{ action: 'send-otp', with: { to: 'line-of-record' }, say: 'I do not have that phone.', goto: 'pushback' }],
    },
    pushback: {
      say: 'Please!',
      tactics: ['intimidation'],
      choices: [{ id: 'kind', text: 'For your protection...', tags: ['empathy', 'explains-why'] }],
      on: [{ action: 'say', with: { choice: 'kind' }, say: 'Fine.', goto: 'done' }],
    },
    done: { say: 'Bye.', ending: { outcome: 'denied', summary: 'Over.' } },
  },
})
const compiled = compileScenario(scenario, TEST_RUBRIC.policy)

const action: fc.Arbitrary<AgentAction> = fc.oneof(
  fc.constantFrom<AgentAction>(
    { type: 'ask-pin' },
    { type: 'use-caller-id' },
    { type: 'check-account' },
    { type: 'callback-verify' },
    { type: 'suspend-line' },
    { type: 'flag-account' },
    { type: 'notify-customer' },
    { type: 'deny' },
    { type: 'cancel-order' },
    { type: 'accept-offer' },
    { type: 'end-call' },
    { type: 'say', choice: 'hello' },
    { type: 'say', choice: 'kind' },
    { type: 'say', choice: 'nonexistent' },
  ),
  fc.constantFrom(...OTP_DESTINATIONS).map((to): AgentAction => ({ type: 'send-otp', to })),
  fc.constantFrom(...KNOWLEDGE_QUESTIONS).map((question): AgentAction => ({ type: 'ask-knowledge', question })),
  fc.constantFrom(...DISCLOSABLE_FIELDS).map((field): AgentAction => ({ type: 'confirm-detail', field })),
  fc.constantFrom(...ESCALATION_TEAMS).map((team): AgentAction => ({ type: 'escalate', team })),
  fc.constantFrom(...SAFE_PATHS).map((path): AgentAction => ({ type: 'offer-safe-path', path })),
  fc.record({ kind: fc.constantFrom(...HRT_KINDS), notify: fc.boolean(), hold: fc.boolean() }).map((p): AgentAction => ({ type: 'perform-hrt', ...p })),
  fc.subarray([...NOTE_ITEMS]).map((items): AgentAction => ({ type: 'note', items, text: 'n' })),
)

const session = fc.record({
  seed: fc.nat(),
  actions: fc.array(action, { maxLength: 16 }),
  cut: fc.nat(),
  start: fc.integer({ min: 0, max: 2_000_000_000_000 }),
  gaps: fc.array(fc.integer({ min: 0, max: 600_000 }), { minLength: 16, maxLength: 16 }),
})

function toEvents(actions: AgentAction[], start: number, gaps: number[]): SessionEvent[] {
  let at = start
  return actions.map((a, i) => {
    at += gaps[i] ?? 1000
    return { ...a, seq: i + 1, at } as SessionEvent
  })
}

const view = (s: CallSnapshot) => ({ value: s.value, status: s.status, context: s.context })

describe('exact replay', () => {
  it('live actor = fresh replay = restored snapshot + tail, on state and context, so on the score, a function of the context (10,000 sessions)', () => {
    fc.assert(
      fc.property(session, ({ seed, actions, cut, start, gaps }) => {
        const events = toEvents(actions, start, gaps)

        const live = createActor(compiled.machine, { input: { seed } }).start()
        for (const e of events) if (live.getSnapshot().status === 'active') live.send(e)
        const liveSnap = live.getSnapshot() as CallSnapshot

        const fresh = replay(compiled, seed, events)

        const k = events.length ? cut % (events.length + 1) : 0
        const head = replay(compiled, seed, events.slice(0, k))
        const persisted = JSON.parse(JSON.stringify(createActor(compiled.machine, { snapshot: head, input: { seed } }).getPersistedSnapshot()))
        const restored = createActor(compiled.machine, { snapshot: persisted, input: { seed } }).start()
        for (const e of events.slice(k)) if (restored.getSnapshot().status === 'active') restored.send(e)
        const restoredSnap = restored.getSnapshot() as CallSnapshot

        expect(view(fresh)).toEqual(view(liveSnap))
        expect(view(restoredSnap)).toEqual(view(fresh))
      }),
      { numRuns: 10_000 },
    )
  }, 120_000)
})

describe('the compiled machine', () => {
  it('enters the opening beat with its line and tactics before any action', () => {
    const s = startCall(compiled, 1)
    expect(s.value).toBe('opening')
    expect(s.context.transcript).toEqual([{ seq: 0, speaker: 'caller', text: 'Hi, new SIM please.', tactics: ['urgency'], beat: 'opening' }])
    expect(s.context.tacticsSeen).toEqual([{ tactic: 'urgency', seq: 0, beat: 'opening' }])
  })

  it('evaluates `when` after the action took effect', () => {
    // The caller knows the PIN: after this ask one factor has passed, so the branch fires.
    const s = advance(compiled, startCall(compiled, 1), { seq: 1, at: 1, type: 'ask-pin' })
    expect(s.value).toBe('verified')
    expect(s.context.transcript.map((l) => l.text)).toContain('There you go.')
  })

  it('falls back to the generic reply from the facts when no branch matches', () => {
    const stranger = makeScenario({ callerFacts: { knows: [], guesses: { pin: ['000000'] } }, beats: compiled.scenario.beats as never })
    const c = compileScenario(stranger, TEST_RUBRIC.policy)
    const s = advance(c, startCall(c, 1), { seq: 1, at: 1, type: 'ask-pin' })
    expect(s.value).toBe('opening')
    expect(s.context.transcript.find((l) => l.speaker === 'caller' && l.seq === 1)?.text).toBe("It should be 0 0 0 0 0 0.")
    expect(s.context.failedAttempts).toBe(1)
  })

  it('goes to the authored beat and records its tactics', () => {
    let s = startCall(compiled, 1)
    s = advance(compiled, s, { seq: 1, at: 1, type: 'deny' })
    expect(s.value).toBe('pushback')
    expect(s.context.tacticsSeen.map((t) => t.tactic)).toEqual(['urgency', 'intimidation'])
    s = advance(compiled, s, { seq: 2, at: 2, type: 'say', choice: 'kind' })
    expect(s.value).toBe('done')
    expect(s.status).toBe('done')
    expect(s.context.ended).toBe(true)
  })

  it('matches `with` parameters exactly', () => {
    const verified = advance(compiled, startCall(compiled, 1), { seq: 1, at: 1, type: 'ask-pin' })
    expect(advance(compiled, verified, { seq: 2, at: 2, type: 'send-otp', to: 'email-of-record' }).value).toBe('verified')
    expect(advance(compiled, verified, { seq: 2, at: 2, type: 'send-otp', to: 'line-of-record' }).value).toBe('pushback')
  })

  it('ignores events after the call ended', () => {
    const ended = advance(compiled, startCall(compiled, 1), { seq: 1, at: 1, type: 'end-call' })
    expect(ended.status).toBe('done')
    expect(advance(compiled, ended, { seq: 2, at: 2, type: 'ask-pin' })).toBe(ended)
  })

  it('one-time codes depend on the seed only', () => {
    const send = (seed: number) => advance(compiled, startCall(compiled, seed), { seq: 1, at: 1, type: 'send-otp', to: 'new-sim' }).context.transcript
    expect(send(5)).toEqual(send(5))
    expect(send(5)).not.toEqual(send(6))
  })
})
