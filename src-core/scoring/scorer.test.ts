import { describe, expect, it } from 'vitest'
import { eventsOf, makeScenario, TEST_RUBRIC } from '../testing/scenarios'
import type { AgentAction } from '../engine/events'
import type { Scenario } from '../scenario/schema'
import { checkRubric, scoreSession } from './scorer'

const score = (scenario: Scenario, actions: AgentAction[]) => scoreSession(scenario, TEST_RUBRIC, 99, eventsOf(actions))
const cfIds = (r: ReturnType<typeof score>) => r.criticalFailures.map((c) => `${c.id}:${c.rule}`)
const items = (r: ReturnType<typeof score>) => r.deductions.map((d) => d.item)

const fraud = makeScenario()
/** The real holder: knows the PIN, holds the phone. */
const legit = makeScenario({
  caller: 'legitimate',
  callerFacts: { identity: 'holder', knows: ['name', 'pin', 'dob'], holds: ['device'] },
})

const perfectDenial: AgentAction[] = [
  { type: 'check-account' },
  { type: 'ask-pin' },
  { type: 'send-otp', to: 'line-of-record' },
  { type: 'deny' },
  { type: 'say', choice: 'kind' },
  { type: 'offer-safe-path', path: 'store-with-id' },
  { type: 'flag-account' },
  { type: 'escalate', team: 'fraud' },
  { type: 'note', items: ['factors', 'outcome', 'red-flags', 'referral'], text: 'Denied; no factors.' },
  { type: 'end-call' },
]

const perfectService: AgentAction[] = [
  { type: 'check-account' },
  { type: 'ask-pin' },
  { type: 'send-otp', to: 'line-of-record' },
  { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true },
  { type: 'note', items: ['factors', 'outcome'], text: 'PIN + OTP; SIM changed.' },
  { type: 'end-call' },
]

describe('balance: fair to real customers, hard on fraudsters', () => {
  it('a textbook denial of a fraudster scores 100 and passes', () => {
    const r = score(fraud, perfectDenial)
    expect(r.compliance).toBe('pass')
    expect(r.score).toBe(100)
    expect(r.deductions).toEqual([])
    expect(r.outcome.kind).toBe('denied-with-safe-path')
  })

  it('a verified real customer served with notice and hold scores 100', () => {
    const r = score(legit, perfectService)
    expect(r.compliance).toBe('pass')
    expect(r.score).toBe(100)
    expect(r.outcome.kind).toBe('served-safely')
  })

  it('refusing a real, verifiable customer costs the false-positive penalty and scores far below serving them', () => {
    const refuse = score(legit, [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'deny' }, { type: 'end-call' }])
    expect(items(refuse)).toContain('OUT-false-positive')
    expect(items(refuse)).toContain('C1')
    expect(refuse.score).toBeLessThanOrEqual(65)
  })

  it('an agent who refuses everyone averages visibly worse than one who gets the balance right over a 60/40 mix', () => {
    const refuseAll: AgentAction[] = [{ type: 'deny' }, { type: 'end-call' }]
    const refuser = 0.6 * score(fraud, refuseAll).score + 0.4 * score(legit, refuseAll).score
    const balanced = 0.6 * score(fraud, perfectDenial).score + 0.4 * score(legit, perfectService).score
    expect(balanced - refuser).toBeGreaterThanOrEqual(40)
  })
})

describe('critical failures, one rule at a time', () => {
  it('CF1 (R4): a SIM change on one factor', () => {
    const s = makeScenario({ callerFacts: { knows: ['pin'], holds: ['new-sim'] } })
    const r = score(s, [{ type: 'ask-pin' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }])
    expect(cfIds(r)).toContain('CF1:R4')
    expect(r.score).toBe(0)
    expect(r.compliance).toBe('fail')
    expect(r.criticalFailures[0]!.seq).toBe(2)
  })

  it('CF1 (R3): non-factors never count, however many', () => {
    const r = score(fraud, [
      { type: 'ask-knowledge', question: 'dob' },
      { type: 'ask-knowledge', question: 'address' },
      { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true },
    ])
    expect(cfIds(r)).toContain('CF1:R4')
    expect(items(r)).toContain('OUT-non-factor')
  })

  it('CF1 (R7): a change while the account is blocked after failed attempts, even with two factors', () => {
    const s = makeScenario({ caller: 'legitimate', account: { priorFailedAttempts: 3 }, callerFacts: { identity: 'holder', knows: ['pin'], holds: ['device'] } })
    const r = score(s, [{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }])
    expect(cfIds(r)).toEqual(['CF1:R7'])
  })

  it.each(['caller-supplied', 'new-sim'] as const)('CF2 (R5): a code sent to %s', (to) => {
    const r = score(fraud, [{ type: 'send-otp', to }])
    expect(cfIds(r)).toEqual(['CF2:R5'])
  })

  it('CF2 (R5): the calling number counts as caller-supplied unless it is the line of record', () => {
    expect(cfIds(score(fraud, [{ type: 'send-otp', to: 'calling-number' }]))).toEqual(['CF2:R5'])
    const spoofed = makeScenario({ callerFacts: { callingFrom: { number: '+1 555 0100 200', networkVerified: false } } })
    expect(cfIds(score(spoofed, [{ type: 'send-otp', to: 'calling-number' }]))).toEqual([])
  })

  it('CF2 (R5): an email changed in the last 30 days is not a valid destination', () => {
    const s = makeScenario({ account: { recentChanges: [{ field: 'email', daysAgo: 3 }] }, callerFacts: { holds: ['email-inbox'] } })
    expect(cfIds(score(s, [{ type: 'send-otp', to: 'email-of-record' }]))).toEqual(['CF2:R5'])
    const old = makeScenario({ account: { recentChanges: [{ field: 'email', daysAgo: 45 }] }, callerFacts: { holds: ['email-inbox'] } })
    expect(cfIds(score(old, [{ type: 'send-otp', to: 'email-of-record' }]))).toEqual([])
  })

  it('CF3 (R8): confirming data or hinting at the PIN before authentication, but not after', () => {
    expect(cfIds(score(fraud, [{ type: 'confirm-detail', field: 'address' }]))).toEqual(['CF3:R8'])
    expect(cfIds(score(fraud, [{ type: 'deny' }, { type: 'say', choice: 'hint' }]))).toEqual(['CF3:R8'])
    const r = score(legit, [{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'confirm-detail', field: 'address' }])
    expect(cfIds(r)).toEqual([])
  })

  it('CF4 (R9): removing a lock on a call, or overriding an in-person-only note', () => {
    const s = makeScenario({ caller: 'legitimate', callerFacts: { identity: 'holder', knows: ['pin'], holds: ['device'] } })
    const verified: AgentAction[] = [{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }]
    expect(cfIds(score(s, [...verified, { type: 'perform-hrt', kind: 'remove-lock', notify: true, hold: false }]))).toEqual(['CF4:R9'])
    const noted = makeScenario({
      caller: 'legitimate',
      account: { notes: [{ text: 'SIM changes in person only', binding: 'in-person-only' }] },
      callerFacts: { identity: 'holder', knows: ['pin'], holds: ['device'] },
    })
    expect(cfIds(score(noted, [...verified, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }]))).toEqual(['CF4:R9'])
    // The note binds every high-risk transaction (R1, R9), not only SIM moves: an email or PIN change over the phone overrides it too.
    for (const kind of ['change-email', 'change-pin', 'call-forwarding'] as const)
      expect(cfIds(score(noted, [...verified, { type: 'perform-hrt', kind, notify: true, hold: false }]))).toEqual(['CF4:R9'])
  })

  it('CF5 (R15): bypassing verification for a staff claim', () => {
    const s = makeScenario({ tactics: ['authority-staff'], callerFacts: { identity: 'third-party' } })
    const r = score(s, [{ type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }])
    expect(cfIds(r)).toEqual(['CF1:R4', 'CF5:R15'])
  })

  it('CF6 (R10): a transfer PIN or the account number for an unverified caller', () => {
    const s = makeScenario({ request: { kind: 'port-out-pin', summary: 'Switching carriers' } })
    expect(cfIds(score(s, [{ type: 'perform-hrt', kind: 'port-out-pin', notify: true, hold: false }]))).toEqual(['CF6:R10'])
    expect(cfIds(score(s, [{ type: 'confirm-detail', field: 'account-number' }]))).toEqual(['CF6:R10'])
  })

  it('CF7 (R21): verifying a victim through the hijacked line, or leaving a fraudulent order', () => {
    const victim = makeScenario({
      caller: 'legitimate',
      account: { lineHijacked: true, pendingOrders: [{ kind: 'sim-change', placedHoursAgo: 2, fraudulent: true }] },
      callerFacts: { identity: 'holder', knows: ['pin'], holds: ['email-inbox'] },
    })
    expect(cfIds(score(victim, [{ type: 'send-otp', to: 'line-of-record' }, { type: 'cancel-order' }, { type: 'end-call' }]))).toEqual(['CF7:R21'])
    expect(cfIds(score(victim, [{ type: 'end-call' }]))).toEqual(['CF7:R21'])
    expect(cfIds(score(victim, [{ type: 'cancel-order' }, { type: 'end-call' }]))).toEqual([])
  })

  it('CF8 (R18): accepting an offer', () => {
    expect(cfIds(score(fraud, [{ type: 'accept-offer' }]))).toEqual(['CF8:R18'])
  })

  it('a fraudster who got a SIM change with codes relayed from the "lost" phone is still a critical failure (R6)', () => {
    const s = makeScenario({ callerFacts: { knows: ['pin'], holds: ['new-sim'], relaysCodes: true } })
    const r = score(s, [{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }])
    expect(r.compliance).toBe('fail')
    expect(r.criticalFailures.map((c) => c.id)).toContain('CF1')
  })
})

describe('weighted items', () => {
  it('R7: two wrong PINs reach the limit; flag and notify are expected, easier questions cost A1', () => {
    const s = makeScenario({ callerFacts: { guesses: { pin: ['111111', '222222'] } } })
    const base: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'ask-pin' }]
    const lax = score(s, [...base, { type: 'ask-knowledge', question: 'dob' }, { type: 'deny' }, { type: 'end-call' }])
    expect(lax.deductions.filter((d) => d.item === 'A2').map((d) => d.points)).toEqual([4, 4])
    expect(lax.deductions.find((d) => d.item === 'A1')?.rule).toBe('R7')
    // The easier question means the caller's story worked on the trainee.
    const s2 = makeScenario({ callerFacts: { guesses: { pin: ['111111', '222222'] } }, beats: { opening: { say: 'I typed it wrong at sign-up!', tactics: ['claimed-enrolment-error'] } } })
    expect(score(s2, [{ type: 'ask-pin' }, { type: 'ask-pin' }, { type: 'ask-knowledge', question: 'dob' }]).tactics[0]?.countered).toBe(false)
    expect(score(s2, [{ type: 'ask-pin' }, { type: 'ask-pin' }, { type: 'flag-account' }]).tactics[0]?.countered).toBe(true)
    const strict = score(s, [...base, { type: 'flag-account' }, { type: 'notify-customer' }, { type: 'deny' }, { type: 'end-call' }])
    expect(items(strict)).not.toContain('A2')
  })

  it('A3: checking notes and locks only after deciding costs half', () => {
    const r = score(fraud, [{ type: 'ask-pin' }, { type: 'deny' }, { type: 'check-account' }, { type: 'end-call' }])
    expect(r.deductions.find((d) => d.item === 'A3')?.points).toBe(4)
  })

  it('A4 (R11, R12): a change without notice or hold', () => {
    const r = score(legit, [{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'perform-hrt', kind: 'sim-change', notify: false, hold: false }])
    expect(r.deductions.filter((d) => d.item === 'A4').map((d) => d.rule)).toEqual(['R11', 'R12'])
  })

  it('A5 (R16): unverified caller ID is not a factor; network-verified is', () => {
    const r = score(fraud, [{ type: 'use-caller-id' }])
    expect(r.deductions.find((d) => d.item === 'A5')?.rule).toBe('R16')
    const ani = makeScenario({
      caller: 'legitimate',
      callerFacts: { identity: 'holder', knows: ['pin'], holds: [], callingFrom: { number: '+1 555 0100 200', networkVerified: true } },
    })
    const served = score(ani, [
      { type: 'check-account' },
      { type: 'ask-pin' },
      { type: 'use-caller-id' },
      { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true },
      { type: 'note', items: ['factors', 'outcome'], text: '' },
      { type: 'end-call' },
    ])
    expect(served.compliance).toBe('pass')
  })

  it('B2 (R17): urgency + lost device + new device requires the fraud team; a supervisor is half credit', () => {
    const s = makeScenario({ tactics: ['urgency'] })
    const none = score(s, [{ type: 'deny' }, { type: 'end-call' }])
    expect(none.deductions.find((d) => d.item === 'B2')?.points).toBe(6)
    const sup = score(s, [{ type: 'escalate', team: 'supervisor' }, { type: 'deny' }, { type: 'end-call' }])
    expect(sup.deductions.find((d) => d.item === 'B2')?.points).toBe(3)
  })

  it('B3: giving way after pressure is called out', () => {
    const r = score(fraud, [{ type: 'deny' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }])
    expect(items(r)).toContain('B3')
    expect(r.tactics).toEqual([{ tactic: 'urgency', seq: 1, beat: 'pushback', countered: false }])
  })

  it('D: accusatory wording costs D1 and D3; toward a real customer also the -10 adjustment', () => {
    const f = score(fraud, [{ type: 'deny' }, { type: 'say', choice: 'rude' }])
    expect(items(f)).toEqual(expect.arrayContaining(['D1', 'D3']))
    expect(items(f)).not.toContain('OUT-accusatory-legit')
    const l = score(legit, [{ type: 'deny' }, { type: 'say', choice: 'rude' }])
    expect(items(l)).toContain('OUT-accusatory-legit')
  })

  it('E1 (R19): a note without factors and outcome loses most of the documentation points', () => {
    const r = score(fraud, [...perfectDenial.slice(0, 8), { type: 'note', items: ['red-flags', 'referral'], text: '' }, { type: 'end-call' }])
    expect(r.deductions.filter((d) => d.item === 'E1').reduce((n, d) => n + d.points, 0)).toBe(4)
  })

  it('needless escalation of a verified low-risk request costs 10', () => {
    const r = score(legit, [...perfectService.slice(0, 3), { type: 'escalate', team: 'fraud' }, ...perfectService.slice(3)])
    expect(items(r)).toContain('OUT-needless-escalation')
  })

  it('a real customer who cannot be verified remotely and gets no safe path costs 15', () => {
    const stranded = makeScenario({ caller: 'ambiguous', callerFacts: { identity: 'holder', knows: ['pin'], holds: [] } })
    const r = score(stranded, [{ type: 'ask-pin' }, { type: 'deny' }, { type: 'end-call' }])
    expect(items(r)).toContain('OUT-no-safe-path')
    const helped = score(stranded, [{ type: 'ask-pin' }, { type: 'suspend-line' }, { type: 'offer-safe-path', path: 'store-with-id' }, { type: 'end-call' }])
    expect(items(helped)).not.toContain('OUT-no-safe-path')
    expect(helped.score).toBeGreaterThan(r.score)
  })

  it('retention pressure on a verified port-out costs 5', () => {
    const s = makeScenario({
      caller: 'legitimate',
      request: { kind: 'port-out-pin', summary: 'Leaving' },
      callerFacts: { identity: 'holder', knows: ['pin'], holds: ['device'] },
      choices: [{ id: 'stay', text: 'Are you sure? We can give you 50% off if you stay.', tags: ['retention-pressure'] }],
    })
    const r = score(s, [{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'say', choice: 'stay' }])
    expect(items(r)).toContain('OUT-retention-pressure')
  })

  it('every deduction cites a rule and explains itself', () => {
    const r = score(fraud, [{ type: 'deny' }, { type: 'say', choice: 'rude' }, { type: 'end-call' }])
    for (const d of r.deductions) {
      expect(d.rule).toMatch(/^R\d+$/)
      expect(d.message.length).toBeGreaterThan(20)
    }
    const sum = r.sections.reduce((n, s) => n + s.score, 0)
    expect(r.weightedScore).toBe(Math.round(sum * 10) / 10)
  })
})

describe('the rubric and the scorer match', () => {
  it('accepts the test rubric and rejects one with an unknown item', () => {
    expect(() => checkRubric(TEST_RUBRIC)).not.toThrow()
    const broken = structuredClone(TEST_RUBRIC)
    broken.sections[0]!.items[0]!.id = 'A9'
    expect(() => checkRubric(broken)).toThrow(/A9 has no evaluator/)
  })
})
