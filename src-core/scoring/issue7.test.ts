import { describe, expect, it } from 'vitest'
import { lintScenario } from '../analysis/lint'
import { compileScenario, replay } from '../engine/compile'
import type { AgentAction } from '../engine/events'
import type { Scenario } from '../scenario/schema'
import { eventsOf, makeScenario, TEST_RUBRIC } from '../testing/scenarios'
import { claimHolds } from './claims'
import { scoreSession } from './scorer'

/**
 * Issue 7, one test per numbered case: each failed on the scorer and linter
 * before the issue and passes now (the figures before are in the comments).
 */

const score = (scenario: Scenario, actions: AgentAction[]) => scoreSession(scenario, TEST_RUBRIC, 1, eventsOf(actions))
const items = (r: ReturnType<typeof score>) => r.deductions.map((d) => d.item)
const cfs = (r: ReturnType<typeof score>) => r.criticalFailures.map((c) => c.id)

const legit = makeScenario({ caller: 'legitimate', callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['device'] } })
/** A fraudster holding the victim's unlocked phone and knowing the PIN: two real factors. */
const phoneThief = (request: Scenario['requests'][number]) =>
  makeScenario({ request, callerFacts: { identity: 'impostor', knows: ['name', 'pin'], holds: ['device'] } })
const verified: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }]

describe('issue 7', () => {
  it('case 1: a call that never ended has no verdict, and its false-positive and victim checks still count', () => {
    // Before: 63-71, compliance PASS, no false positive.
    const r = score(legit, [{ type: 'check-account' }])
    expect(r.verdict).toBeNull()
    expect(r.compliance).not.toBe('pass')
    expect(r.outcome.kind).toBe('abandoned')
    expect(items(r)).toContain('OUT-false-positive')
    const victim = makeScenario({
      caller: 'legitimate',
      account: { pendingOrders: [{ kind: 'sim-change', placedHoursAgo: 1, fraudulent: true }] },
      callerFacts: { identity: 'holder', knows: ['pin'], holds: ['email-inbox'] },
    })
    expect(cfs(score(victim, [{ type: 'check-account' }]))).toContain('CF7')
  })

  it.each([
    { kind: 'call-forwarding', target: '+1 555 0199 123', summary: 'Forward my calls' },
    { kind: 'change-email', target: 'me@attacker.example', summary: 'New email' },
    { kind: 'change-pin', summary: 'New PIN' },
    { kind: 'number-change', summary: 'New number' },
  ] as const)('case 2: a fraud caller who obtains $kind fails the call', (request) => {
    // Before: "Score 70 compliance PASS ... The fraudster got the change."
    const r = score(phoneThief(request), [...verified, { type: 'perform-hrt', kind: request.kind, notify: true, hold: false }, { type: 'end-call' }])
    expect(r.compliance).toBe('fail')
    expect(r.score).toBe(0)
    expect(r.outcome.kind).toBe('fraud-won')
  })

  it('case 3: a fraud win written as dialogue is a fraud win for the scorer and for safety property (a)', () => {
    // Before: "62 PASS outcome: denied", every tactic resisted; check and paths said nothing.
    const story = makeScenario({
      choices: [{ id: 'sure', text: 'Sure, I will sort that out for you.', tags: [] }],
      on: [{ action: 'say', with: { choice: 'sure' }, goto: 'won' }],
      beats: {
        opening: { say: 'New SIM please.' },
        won: { say: 'Thanks!', ending: { outcome: 'fraud-succeeded', summary: 'The attacker talked the agent into it.' } },
      },
    })
    const r = score(story, [{ type: 'say', choice: 'sure' }])
    expect(r.compliance).toBe('fail')
    expect(r.outcome.kind).toBe('fraud-won')
    expect(r.tactics.every((t) => !t.countered)).toBe(true)
    const problems = lintScenario(story, TEST_RUBRIC).filter((p) => p.severity === 'error')
    expect(problems.map((p) => p.message).join('\n')).toMatch(/ending 'won' \(outcome fraud-succeeded\)/)
  })

  it('case 4: a changed email is a new, caller-supplied contact: a code or a QR sent there is CF2', () => {
    const s = makeScenario({
      caller: 'legitimate',
      request: [
        { kind: 'change-email', target: 'new@example.net', summary: 'New email' },
        { kind: 'esim-qr', target: 'new@example.net', summary: 'Send the QR there' },
      ],
      callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['device'] },
    })
    const changed: AgentAction[] = [...verified, { type: 'perform-hrt', kind: 'change-email', notify: true, hold: false }]
    expect(cfs(score(s, [...changed, { type: 'send-otp', to: 'email-of-record' }]))).toEqual(['CF2'])
    expect(cfs(score(s, [...changed, { type: 'perform-hrt', kind: 'esim-qr', notify: true, hold: true }]))).toEqual(['CF2'])
    const ctx = replay(compileScenario(s, TEST_RUBRIC.policy), 1, eventsOf(changed)).context
    expect(ctx.contactChanges).toEqual([{ field: 'email', value: 'new@example.net', seq: 4 }])
  })

  it('case 5: several requests in order, each with its target; shipping to a just-changed address is CF2', () => {
    const s = phoneThief({ kind: 'ship-sim', summary: 'Ship it' })
    const pivot = makeScenario({
      request: [
        { kind: 'change-address', target: '9 Drop Rd', summary: 'I moved' },
        { kind: 'ship-sim', target: '9 Drop Rd', summary: 'Ship a SIM to the new address' },
      ],
      callerFacts: { identity: 'impostor', knows: ['name', 'pin'], holds: ['device'] },
    })
    expect(pivot.requests.map((r) => r.kind)).toEqual(['change-address', 'ship-sim'])
    const r = score(pivot, [...verified, { type: 'perform-hrt', kind: 'change-address', notify: true, hold: false }, { type: 'perform-hrt', kind: 'ship-sim', notify: true, hold: true }, { type: 'end-call' }])
    expect(cfs(r)).toContain('CF2')
    expect(s.requests).toHaveLength(1)
  })

  it('case 6: R15, a third party answering the questions costs A5; the holder, once asked for, can be served', () => {
    const daughter = makeScenario({
      caller: 'legitimate',
      callerFacts: { identity: 'third-party', claims: 'third-party', holderOnCall: true, knows: ['name', 'pin'], holds: ['device'] },
    })
    const direct = score(daughter, [...verified, { type: 'deny' }, { type: 'end-call' }])
    expect(direct.deductions.some((d) => d.item === 'A5' && d.rule === 'R15')).toBe(true)
    const asked = score(daughter, [{ type: 'check-account' }, { type: 'ask-for-holder' }, { type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }, { type: 'note', items: ['factors', 'outcome'], text: 'Holder verified.' }, { type: 'end-call' }])
    expect(asked.compliance).toBe('pass')
    expect(items(asked)).not.toContain('A5')
    // A change a third party asks for is CF5, and no callback to a staff number is demanded of a relative.
    const forThem = score(daughter, [...verified, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }, { type: 'end-call' }])
    expect(cfs(forThem)).toContain('CF5')
    expect(direct.deductions.map((d) => d.message).join(' ')).not.toMatch(/internal number/)
  })

  it('case 6: for a third party with no holder to hand, asking for the holder is the verification attempt (A1, R15)', () => {
    // Before: asking the husband for the holder instead of quizzing him for her PIN cost A1 -10.
    const husband = makeScenario({ callerFacts: { identity: 'third-party', claims: 'third-party', holderOnCall: false, knows: ['name', 'dob'], holds: [] } })
    const refusal: AgentAction[] = [{ type: 'deny' }, { type: 'end-call' }]
    const asked = score(husband, [{ type: 'check-account' }, { type: 'ask-for-holder' }, ...refusal])
    expect(items(asked)).not.toContain('A1')
    const events = eventsOf([{ type: 'check-account' }, ...refusal])
    const none = scoreSession(husband, TEST_RUBRIC, 1, events).deductions.find((d) => d.item === 'A1')!
    expect(none.message).toMatch(/ask to speak to the holder/)
    for (const claim of none.claims) expect(claimHolds(claim, events)).toBe(true)
    // For the holder speaking, asking for the holder verifies nothing.
    expect(items(score(makeScenario(), [{ type: 'check-account' }, { type: 'ask-for-holder' }, ...refusal]))).toContain('A1')
  })

  it("case 7: R21's escalate path (refer to fraud, cancel the orders, no verification) has no false positive", () => {
    // Before: 55 with a -25 false positive.
    const victim = makeScenario({
      caller: 'legitimate',
      account: { lineHijacked: true, pendingOrders: [{ kind: 'sim-change', placedHoursAgo: 2, fraudulent: true }] },
      callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['email-inbox'] },
    })
    const r = score(victim, [{ type: 'check-account' }, { type: 'escalate', team: 'fraud' }, { type: 'cancel-order' }, { type: 'suspend-line' }, { type: 'end-call' }])
    expect(items(r)).not.toContain('OUT-false-positive')
    expect(items(r)).not.toContain('OUT-needless-escalation')
    expect(r.outcome.kind).toBe('served-safely')
    // Before: A1 -10, "Decided without trying to verify the caller: ... send a code to the line of record first",
    // on the path R21 allows, pointing at the hijacked line. (The suspension on no factor keeps its own A1, R13a.)
    expect(r.deductions.filter((d) => d.item === 'A1').map((d) => d.rule)).toEqual(['R13'])
    const events = eventsOf([{ type: 'check-account' }, { type: 'cancel-order' }, { type: 'deny' }, { type: 'end-call' }])
    const unreferred = scoreSession(victim, TEST_RUBRIC, 1, events).deductions.find((d) => d.item === 'A1')!
    expect(unreferred.message).toMatch(/email of record, or refer the call to the fraud team \(R21\)/)
    expect(unreferred.message).not.toMatch(/line of record/)
    for (const claim of unreferred.claims) expect(claimHolds(claim, events)).toBe(true)
  })

  it('case 8: a non-factor asked "to be safe" after verification costs 5', () => {
    // Before: nothing.
    const r = score(legit, [...verified, { type: 'ask-knowledge', question: 'dob' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }, { type: 'end-call' }])
    const d = r.deductions.find((x) => x.item === 'OUT-non-factor')!
    expect(d.points).toBe(5)
    expect(d.message).toMatch(/to be safe/)
  })

  it('case 9: a code relayed from a "lost" device is void: not a factor, the call stops, a fraud referral is due', () => {
    const relay = makeScenario({ callerFacts: { identity: 'impostor', knows: ['name', 'pin'], holds: [], relaysCodes: true } })
    const events = eventsOf([{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }])
    const ctx = replay(compileScenario(relay, TEST_RUBRIC.policy), 1, events).context
    expect(ctx.transcript.map((l) => l.text).join('\n')).not.toMatch(/possession factor passed/)
    expect(ctx.passes.find((p) => p.factor === 'otp')!.valid).toBe(false)
    const swapped = score(relay, [{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }, { type: 'end-call' }])
    expect(swapped.criticalFailures.some((c) => c.id === 'CF1' && c.rule === 'R6')).toBe(true)
    const stopped = score(relay, [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'deny' }, { type: 'end-call' }])
    expect(stopped.deductions.some((d) => d.item === 'B2')).toBe(true)
  })

  it('case 11: deduction sentences are true of the call (claims checked against the log)', () => {
    const calls: AgentAction[][] = [
      [{ type: 'end-call' }],
      [{ type: 'ask-pin' }, { type: 'perform-hrt', kind: 'sim-change', notify: false, hold: false }, { type: 'end-call' }],
      [{ type: 'check-account' }, { type: 'note', items: [], text: 'Factors: none. Outcome: denied.' }, { type: 'end-call' }],
      [{ type: 'deny' }, { type: 'say', choice: 'rude' }, { type: 'ask-knowledge', question: 'dob' }, { type: 'end-call' }],
    ]
    for (const actions of calls) {
      const events = eventsOf(actions)
      const r = scoreSession(makeScenario(), TEST_RUBRIC, 1, events)
      for (const d of r.deductions) for (const claim of d.claims) expect(claimHolds(claim, events), `${d.item}: ${d.message}`).toBe(true)
      const text = r.deductions.map((d) => d.message).join('\n')
      expect(text).not.toMatch(/OUT-/)
      // CF1 names the real reason, never "blocked after failed attempts" on a call with none.
      if (actions.some((a) => a.type === 'perform-hrt')) expect(text).not.toMatch(/blocked after failed attempts/)
      if (!actions.some((a) => a.type === 'deny')) expect(text).not.toMatch(/A denial must still/)
      if (actions.some((a) => a.type === 'note')) expect(text).toMatch(/the score reads the ticked boxes/)
    }
  })

  it('case 12: hanging up at once scores below a polite refusal; always-comply and knowledge-only fail every fraud call', () => {
    const fraud = makeScenario()
    const hangUp = score(fraud, [{ type: 'end-call' }])
    const politeDeny = score(fraud, [{ type: 'deny' }, { type: 'say', choice: 'kind' }, { type: 'end-call' }])
    expect(politeDeny.score).toBeGreaterThan(hangUp.score)
    expect(score(fraud, [{ type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }, { type: 'end-call' }]).compliance).toBe('fail')
    expect(score(fraud, [{ type: 'ask-knowledge', question: 'dob' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }, { type: 'end-call' }]).compliance).toBe('fail')
  })
})

describe('the scorer reads the action’s own target', () => {
  const holderAsking = makeScenario({
    caller: 'legitimate',
    request: { kind: 'change-address', target: '22 Willow Lane', summary: 'I moved' },
    callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['device'] },
  })
  const change = (target: string): AgentAction => ({ type: 'perform-hrt', kind: 'change-address', notify: true, hold: false, target })

  it('serves the caller only when the change went where they asked', () => {
    expect(score(holderAsking, [...verified, change('22 willow lane '), { type: 'end-call' }]).outcome.kind).toBe('served-safely')
    expect(score(holderAsking, [...verified, change('9 Elsewhere Road'), { type: 'end-call' }]).outcome.kind).not.toBe('served-safely')
  })
})
