import { describe, expect, it } from 'vitest'
import { actionAlphabet } from '../analysis/paths'
import { compileScenario, replay, startCall } from '../engine/compile'
import type { AgentAction } from '../engine/events'
import { isVerified } from '../engine/world'
import type { Scenario } from '../scenario/schema'
import { consoleView } from '../session/consoleView'
import { eventsOf, makeScenario, TEST_RUBRIC } from '../testing/scenarios'
import { isServable, scoreSession } from './scorer'

/**
 * Issue 10, the catalogue gaps the format could not say: a walk-in at a store
 * counter with an ID that fails its scan (fake-id-at-counter), a contact who is
 * not a customer asking for their own account (insider-bribe), and a police
 * request whose way forward is the legal-process team (detective-exigent).
 * Each case failed before (the figures before are in the comments).
 */

const score = (scenario: Scenario, actions: AgentAction[]) => scoreSession(scenario, TEST_RUBRIC, 1, eventsOf(actions))
const items = (r: ReturnType<typeof score>) => r.deductions.map((d) => d.item)
const cfs = (r: ReturnType<typeof score>) => r.criticalFailures.map((c) => c.id)
const context = (scenario: Scenario, actions: AgentAction[]) => replay(compileScenario(scenario, TEST_RUBRIC.policy), 1, eventsOf(actions)).context

/** A walk-in with a forged licence in the holder's name: no PIN, no phone, no inbox. */
const forger = makeScenario({ channel: 'store', callerFacts: { identity: 'impostor', knows: ['name', 'dob'], holds: ['fake-id'] } })
/** The real holder at the counter with their own licence and the PIN. */
const holderInStore = makeScenario({ caller: 'legitimate', channel: 'store', callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['photo-id'] } })

const kindRefusal: AgentAction[] = [{ type: 'deny' }, { type: 'say', choice: 'kind' }]

describe('issue 10', () => {
  describe('a photo ID at the store counter (R3d, R14)', () => {
    it('a scanned, validated ID is a document factor: with the PIN it verifies, and such a customer is servable', () => {
      // Before: no action could check an ID, so a holder at the counter with ID and PIN was "not servable".
      expect(isServable(holderInStore, TEST_RUBRIC.policy)).toBe(true)
      const ctx = context(holderInStore, [{ type: 'check-id', method: 'scan' }, { type: 'ask-pin' }])
      expect(ctx.passes.map((p) => [p.factor, p.category, p.valid])).toEqual([
        ['photo-id', 'document', true],
        ['pin', 'knowledge', true],
      ])
      expect(isVerified(ctx)).toBe(true)
      const served = score(holderInStore, [
        { type: 'check-account' },
        { type: 'check-id', method: 'scan' },
        { type: 'ask-pin' },
        { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true },
        { type: 'note', items: ['factors', 'outcome'], text: 'ID scanned and validated, PIN; new SIM with notice and hold.' },
        { type: 'end-call' },
      ])
      expect(served.compliance).toBe('pass')
      expect(served.outcome.kind).toBe('served-safely')
    })

    it('a glance at the ID is never a factor: a SIM change after one is CF1, and the glance itself costs A1', () => {
      const glance = context(holderInStore, [{ type: 'check-id', method: 'visual' }, { type: 'ask-pin' }])
      expect(isVerified(glance)).toBe(false)
      const r = score(forger, [{ type: 'check-account' }, { type: 'check-id', method: 'visual' }, { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true }])
      expect(cfs(r)).toEqual(['CF1'])
      expect(r.deductions.find((d) => d.item === 'A1')?.rule).toBe('R14')
    })

    it('a forged licence fails the scan: one failed attempt however often it is scanned, and a fraud referral is due', () => {
      const ctx = context(forger, [{ type: 'check-id', method: 'scan' }, { type: 'check-id', method: 'scan' }])
      expect(ctx.failedAttempts).toBe(1)
      expect(ctx.passes).toEqual([])
      expect(ctx.transcript.map((l) => l.text).join('\n')).toMatch(/ID scan failed/)
      const denied = [{ type: 'check-account' }, { type: 'check-id', method: 'scan' }, ...kindRefusal, { type: 'offer-safe-path', path: 'store-with-id' }, { type: 'flag-account' }] as AgentAction[]
      const note: AgentAction = { type: 'note', items: ['factors', 'outcome', 'red-flags', 'referral'], text: 'Licence failed the scan; denied, flagged, referred.' }
      expect(items(score(forger, [...denied, note, { type: 'end-call' }]))).toContain('B2')
      const referred = score(forger, [...denied, { type: 'escalate', team: 'fraud' }, note, { type: 'end-call' }])
      expect(referred.score).toBe(100)
    })

    it('only a counter offers the ID check: the console, the path search and the world agree', () => {
      const phone = makeScenario({ caller: 'legitimate', callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['photo-id'] } })
      const view = (s: Scenario) => {
        const compiled = compileScenario(s, TEST_RUBRIC.policy)
        return consoleView({ compiled, snapshot: startCall(compiled, 1), events: [], mode: 'practice' })
      }
      expect(view(holderInStore).actions).toContain('check-id')
      expect(view(holderInStore).verification.chips.map((c) => c.id)).toContain('photo-id')
      expect(view(phone).actions).not.toContain('check-id')
      expect(actionAlphabet(holderInStore, 'opening').filter((a) => a.type === 'check-id')).toHaveLength(2)
      expect(actionAlphabet(phone, 'opening').some((a) => a.type === 'check-id')).toBe(false)
      // Played anyway (an old log, a hand-written transcript), it does nothing on a call.
      expect(context(phone, [{ type: 'check-id', method: 'scan' }]).passes).toEqual([])
      expect(isServable(phone, TEST_RUBRIC.policy)).toBe(false)
    })
  })

  describe('what the contact asks of the agent (approach)', () => {
    /** A stranger's message offering money for a swap: not a customer asking about their own account. */
    const briber = makeScenario({ channel: 'message', tactics: ['insider-bribery'], callerFacts: { identity: 'impostor', approach: 'insider', knows: ['name'], holds: [] } })
    const refuseAndReport: AgentAction[] = [
      { type: 'check-account' },
      ...kindRefusal,
      { type: 'flag-account' },
      { type: 'escalate', team: 'fraud' },
      { type: 'note', items: ['outcome', 'red-flags', 'referral'], text: 'Bribe offered for a SIM swap; refused, flagged, reported.' },
      { type: 'end-call' },
    ]

    it('an insider approach asks no factors and no safe path: refusing and reporting it scores 100', () => {
      // Before: 78 (A1 -10 "decided without trying to verify", C1 -10 "no safe path", E1 -2 for a note without factors).
      const r = score(briber, refuseAndReport)
      expect(r.score).toBe(100)
      expect(r.sections.flatMap((s) => s.items).filter((i) => ['A1', 'C1'].includes(i.id)).map((i) => i.applicable)).toEqual([false, false])
      expect(r.outcome.label).toMatch(/approach was refused/)
    })

    it('an insider approach must be reported (R18), and taking the money still fails the call', () => {
      // Before: no referral was due, so leaving out the report cost nothing.
      const unreported = score(briber, refuseAndReport.filter((a) => a.type !== 'escalate'))
      expect(unreported.deductions.find((d) => d.item === 'B2')?.message).toMatch(/R18/)
      expect(cfs(score(briber, [{ type: 'accept-offer' }, { type: 'end-call' }]))).toEqual(['CF8'])
    })

    /** A "detective" wanting the subscriber's address and the line forwarded. */
    const detective = makeScenario({
      tactics: ['authority-police', 'urgency'],
      request: { kind: 'call-forwarding', target: '+1 555 0199 000', summary: 'Forward this line to our unit' },
      callerFacts: { identity: 'impostor', claims: 'police', knows: ['name'], holds: [] },
    })
    const closing: AgentAction[] = [{ type: 'note', items: ['outcome', 'red-flags', 'referral'], text: 'Police claim; nothing disclosed; referred to legal process.' }, { type: 'end-call' }]

    it('a police request: the legal-process referral is the safe path given, and no factor is asked of the officer', () => {
      // Before: 78 (A1 -10 with no PIN asked of the officer, C1 -10 with no customer path offered to him, E1 -2 with no factors noted).
      const r = score(detective, [{ type: 'check-account' }, ...kindRefusal, { type: 'flag-account' }, { type: 'escalate', team: 'legal' }, ...closing])
      expect(r.score).toBe(100)
      expect(r.outcome.kind).toBe('denied-with-safe-path')
    })

    it('customer paths offered to a detective are no safe path for him, nor SIM Protection a protection', () => {
      // Before: 92 and "denied with a safe path" (only B2 -6, E1 -2): self-service met C1 and lock enrolment C2, with no legal-process referral.
      const r = score(detective, [
        { type: 'check-account' },
        { type: 'ask-pin' },
        ...kindRefusal,
        { type: 'offer-safe-path', path: 'self-service' },
        { type: 'offer-safe-path', path: 'lock-enrolment' },
        ...closing,
      ])
      expect(items(r)).toEqual(expect.arrayContaining(['B2', 'C1', 'C2']))
      expect(r.deductions.find((d) => d.item === 'C1')?.message).toMatch(/legal-process team/)
      expect(r.outcome.kind).toBe('denied')
    })

    it('a contact asking as the customer is judged as before: factors first, a safe path for the holder', () => {
      const r = score(makeScenario(), [{ type: 'check-account' }, ...kindRefusal, { type: 'flag-account' }, { type: 'escalate', team: 'fraud' }, ...closing])
      expect(items(r)).toEqual(expect.arrayContaining(['A1', 'C1', 'E1']))
    })
  })
})
