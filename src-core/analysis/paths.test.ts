import { describe, expect, it } from 'vitest'
import { getShortestPaths } from 'xstate/graph'
import { makeScenario, TEST_RUBRIC } from '../testing/scenarios'
import { leftOutActionsNeverHelp, lossBoundIsSound, scoreKeyIsSound, step, worldKeyIsSound } from '../testing/soundness'
import type { Scenario } from '../scenario/schema'
import { HRT_KINDS, KNOWLEDGE_QUESTIONS, NOTE_ITEMS, OTP_DESTINATIONS, SAFE_PATHS } from '../scenario/vocabulary'
import type { AgentAction, SessionEvent } from '../engine/events'
import { isCritical, itemOf } from '../scoring/findings'
import { scoreSession } from '../scoring/scorer'
import { compileScenario, replay, startCall, type CallSnapshot } from '../engine/compile'
import {
  actionAlphabet,
  exploreScenario,
  explorationActions,
  lossLowerBound,
  pathsToCriticalFailures,
  scoreKey,
  searchGoodPath,
  bestGoodCall,
  uncaughtTransactions,
  worldKey,
} from './paths'

const compile = (s: Scenario) => compileScenario(s, TEST_RUBRIC.policy)
const types = (events: readonly SessionEvent[]) => events.map((e) => e.type)

/** The base fraudster: knows name and DOB, holds a new SIM. Deny leads to pushback; say 'kind' ends the call well. */
const fraud = makeScenario({
  tactics: ['urgency'],
  beats: {
    opening: { say: 'Hi, I need my number on a new SIM.', tactics: [], on: [{ action: 'deny', goto: 'pushback' }], choices: [] },
    pushback: {
      say: 'Come on!',
      tactics: ['urgency'],
      choices: [
        { id: 'kind', text: 'For your protection I cannot do this on a call; a store can help today.', tags: ['empathy', 'explains-why', 'next-steps'] },
        { id: 'rude', text: 'You are obviously a scammer.', tags: ['accusatory'] },
        { id: 'hint', text: 'Your PIN starts with a 1.', tags: ['pin-hint'] },
      ],
      on: [{ action: 'say', with: { choice: 'kind' }, goto: 'done' }],
    },
    done: { say: 'Fine. Bye.', ending: { outcome: 'denied', summary: 'The caller gave up.' } },
    swapped: { say: 'Thanks!', ending: { outcome: 'fraud-succeeded', summary: 'The attacker has the number.' } },
  },
  on: [{ action: 'perform-hrt', goto: 'swapped' }],
})

/** The real holder with the phone in hand: fully verifiable. */
const legit = makeScenario({
  caller: 'legitimate',
  callerFacts: { identity: 'holder', knows: ['name', 'pin', 'dob'], holds: ['device'] },
})

/** A real customer with the PIN but no phone: one factor only. */
const ambiguous = makeScenario({
  caller: 'ambiguous',
  callerFacts: { identity: 'holder', knows: ['name', 'pin', 'dob'], holds: [] },
})

/** Wrong PINs reach the R7 limit; a staff claim; a `did` condition in the narrative. */
const guesser = makeScenario({
  tactics: ['authority-staff'],
  callerFacts: { guesses: { pin: ['111111', '222222'] } },
  beats: {
    opening: {
      say: 'Store here, the system is down.',
      tactics: ['authority-staff'],
      choices: [{ id: 'sorry', text: 'Sorry about that.', tags: ['empathy'] }],
      on: [
        { action: 'ask-pin', when: { failedAttempts: 2 }, goto: 'limit' },
        { action: 'deny', when: { did: 'flag-account' }, goto: 'done' },
      ],
    },
    limit: { say: 'Just ask me something else.', tactics: ['claimed-enrolment-error'], choices: [], on: [] },
    done: { say: 'Fine.', ending: { outcome: 'denied', summary: 'Denied.' } },
  },
})

/** The caller knows the PIN and holds the phone, yet is a fraudster: policy cannot catch them (property (a) fails). */
const insiderFraud = makeScenario({
  callerFacts: { identity: 'impostor', knows: ['name', 'pin', 'dob'], holds: ['device', 'new-sim'] },
})

describe('the alphabet', () => {
  it('has every action with each enumerated value, the beat and global phrasings, and the two notes', () => {
    const c = compile(fraud)
    const opening = actionAlphabet(c.scenario, 'opening')
    const pushback = actionAlphabet(c.scenario, 'pushback')
    const of = (list: AgentAction[], type: AgentAction['type']) => list.filter((a) => a.type === type)
    expect(of(opening, 'send-otp').map((a) => (a as { to: string }).to)).toEqual([...OTP_DESTINATIONS])
    expect(of(opening, 'ask-knowledge')).toHaveLength(KNOWLEDGE_QUESTIONS.length)
    expect(of(opening, 'escalate')).toHaveLength(3)
    expect(of(opening, 'offer-safe-path')).toHaveLength(4)
    // Every kind done right, plus the request done wrong.
    expect(of(opening, 'perform-hrt')).toHaveLength(HRT_KINDS.length + 1)
    expect(of(opening, 'perform-hrt')).toContainEqual({ type: 'perform-hrt', kind: 'sim-change', notify: false, hold: false })
    expect(of(opening, 'note').map((a) => (a as { items: string[] }).items)).toEqual([[...NOTE_ITEMS], []])
    expect(of(opening, 'say')).toEqual([])
    expect(of(pushback, 'say').map((a) => (a as { choice: string }).choice)).toEqual(['kind', 'rude', 'hint'])
    for (const type of ['ask-pin', 'use-caller-id', 'check-account', 'callback-verify', 'suspend-line', 'flag-account', 'notify-customer', 'deny', 'cancel-order', 'accept-offer', 'end-call'] as const)
      expect(of(opening, type)).toHaveLength(1)
  })

  it('explores one question and two disclosures where no state can tell them apart, and every safe path', () => {
    const c = compile(fraud)
    const actions = explorationActions(c, startCall(c, 1).context, 'score')
    expect(actions.filter((a) => a.type === 'ask-knowledge')).toEqual([{ type: 'ask-knowledge', question: 'dob' }])
    expect(actions.filter((a) => a.type === 'confirm-detail').map((a) => (a as { field: string }).field)).toEqual(['address', 'account-number'])
    expect(actions.filter((a) => a.type === 'offer-safe-path').map((a) => (a as { path: string }).path)).toEqual([...SAFE_PATHS])
  })

  it('keeps every value some branch names', () => {
    const named = makeScenario({
      on: [
        { action: 'ask-knowledge', with: { question: 'zip' }, say: 'Zip!' },
        { action: 'offer-safe-path', with: { path: 'self-service' }, say: 'The app?' },
      ],
    })
    const c = compile(named)
    const actions = explorationActions(c, startCall(c, 1).context, 'score')
    expect(actions.filter((a) => a.type === 'ask-knowledge').map((a) => (a as { question: string }).question)).toEqual(['dob', 'zip'])
    expect(actions.filter((a) => a.type === 'offer-safe-path').map((a) => (a as { path: string }).path)).toEqual([...SAFE_PATHS])
  })

  it('needs no rule for spent actions: a repeat that changes nothing lands on the state it came from', () => {
    const c = compile(guesser)
    let s = startCall(c, 1)
    s = step(c, s, { type: 'check-account' })
    s = step(c, s, { type: 'flag-account' })
    for (const again of [{ type: 'check-account' }, { type: 'flag-account' }, { type: 'deny' }] as const) {
      const once = step(c, s, again)
      expect(scoreKey(c, step(c, once, again).context)).toBe(scoreKey(c, once.context))
    }
    // The guesser still has wrong PINs to give: asking again is a new state.
    const asked = step(c, s, { type: 'ask-pin' })
    expect(scoreKey(c, step(c, asked, { type: 'ask-pin' }).context)).not.toBe(scoreKey(c, asked.context))
  })

  it('world states ignore bookkeeping that no branch or condition reads', () => {
    const c = compile(fraud)
    const world = types(explorationActions(c, startCall(c, 1).context, 'world').map((a, i) => ({ ...a, seq: i, at: 0 }) as SessionEvent))
    expect(world).not.toContain('note')
    expect(world).not.toContain('escalate')
    expect(world).toContain('deny') // opening listens for it
    expect(world).toContain('perform-hrt')
    expect(world).toContain('confirm-detail')
  })
})

describe('exploring reachable states', () => {
  it('reaches the same states, at the same depths, as xstate/graph getShortestPaths', () => {
    for (const scenario of [fraud, legit, guesser]) {
      const c = compile(scenario)
      const ours = exploreScenario(c)
      expect(ours.complete).toBe(true)
      const theirs = getShortestPaths(c.machine, {
        input: { seed: 1 },
        serializeState: (s) => worldKey(c, (s as CallSnapshot).context),
        events: (s) => {
          const snap = s as CallSnapshot
          if (snap.status !== 'active') return []
          const seq = snap.context.lastSeq + 1
          return explorationActions(c, snap.context, 'world').map((a) => ({ ...a, seq, at: seq * 1000 }) as SessionEvent)
        },
      })
      const depths = new Map(theirs.map((p) => [worldKey(c, (p.state as CallSnapshot).context), p.weight]))
      expect(new Map(ours.states.map((s) => [s.key, s.depth]))).toEqual(depths)
    }
  })

  it('gives a replayable shortest path to every state', () => {
    const c = compile(guesser)
    const e = exploreScenario(c)
    for (const s of e.states) {
      const events = e.pathTo(s.key)
      expect(events).toHaveLength(s.depth)
      expect(worldKey(c, replay(c, 1, events).context)).toBe(s.key)
    }
  })

  it('finds the endings and a shortest path to each critical failure', () => {
    const c = compile(fraud)
    const e = exploreScenario(c)
    expect(e.endings.map((x) => x.beat).sort()).toEqual(['call-ended', 'done', 'swapped'])
    const done = e.endings.find((x) => x.beat === 'done')!
    expect(types(done.events)).toEqual(['deny', 'say'])
    const cf = pathsToCriticalFailures(c)
    expect(cf.complete).toBe(true)
    const byCode = new Map(cf.paths.map((p) => [p.code, p]))
    expect(types(byCode.get('CF1')!.events)).toEqual(['perform-hrt'])
    expect(types(byCode.get('CF3')!.events)).toEqual(['confirm-detail'])
    // The PIN hint exists only in pushback.
    expect(byCode.get('CF3')!.events).toHaveLength(1)
    expect(byCode.has('CF7')).toBe(false) // no pending orders
    for (const p of cf.paths) expect(replay(c, 1, p.events).context.findings.map(itemOf)).toContain(p.code)
  })

  it('keeps a contact changed on a call that already failed: it decides what a later code does', () => {
    // Found by the world-key property: a failed call dropped its contact changes from the key, so a call
    // whose email the caller had changed (the next code reaches them) was merged with one that had not.
    const c = compile(legit)
    const start = startCall(c, 1)
    const changed = step(c, start, { type: 'perform-hrt', kind: 'change-email', notify: true, hold: true })
    const unlocked = step(c, start, { type: 'perform-hrt', kind: 'remove-lock', notify: true, hold: true })
    expect(worldKey(c, changed.context)).not.toBe(worldKey(c, unlocked.context))
    const code = { type: 'send-otp', to: 'email-of-record' } as const
    expect(step(c, changed, code).context.passes).toHaveLength(1)
    expect(step(c, unlocked, code).context.passes).toHaveLength(0)
  })

  it('says so when a bound stops it', () => {
    const c = compile(guesser)
    const few = exploreScenario(c, { maxStates: 3 })
    expect(few.complete).toBe(false)
    expect(few.reason).toMatch(/stopped after 3 states/)
    const shallow = exploreScenario(c, { maxDepth: 1 })
    expect(shallow.complete).toBe(false)
    expect(shallow.reason).toMatch(/longer than 1 action/)
  })
})

describe('safety property (a): no fraud win without a critical finding', () => {
  it('holds when the fraudster cannot pass two factors', () => {
    const c = compile(fraud)
    expect(uncaughtTransactions(c, exploreScenario(c))).toEqual([])
  })

  it('fails, with a counterexample, when the fraudster knows the PIN and holds the phone', () => {
    const c = compile(insiderFraud)
    const holes = uncaughtTransactions(c, exploreScenario(c))
    expect(holes.length).toBeGreaterThan(0)
    const [first] = holes
    expect(types(first!.events)).toEqual(['ask-pin', 'send-otp', 'perform-hrt'])
    const ctx = replay(c, 1, first!.events).context
    expect(ctx.hrts).toHaveLength(1)
    expect(ctx.findings.filter(isCritical)).toEqual([])
  })
})

describe('the shortest good call', () => {
  it('serves a verifiable customer with no deduction in the fewest actions', () => {
    const c = compile(legit)
    const good = bestGoodCall(c, TEST_RUBRIC)!
    expect(good.complete).toBe(true)
    expect(good.report.score).toBe(100)
    expect(good.report.outcome.kind).toBe('served-safely')
    expect(types(good.events)).toEqual(['check-account', 'ask-pin', 'send-otp', 'perform-hrt', 'note', 'end-call'])
    // The path is a real session: the scorer agrees.
    expect(scoreSession(c, TEST_RUBRIC, 1, good.events).score).toBe(100)
  })

  it('denies a fraudster with a safe path, kindly, and proves no shorter perfect call exists', () => {
    const c = compile(fraud)
    const search = searchGoodPath(c, TEST_RUBRIC)
    expect(search.complete).toBe(true)
    expect(search.budget).toBe(0)
    expect(search.best!.report.score).toBe(100)
    expect(search.best!.report.outcome.kind).toBe('denied-with-safe-path')
    expect(scoreSession(c, TEST_RUBRIC, 1, search.best!.events).score).toBe(100)
  })

  it('finds the best call when no perfect one exists, and says how far it searched', () => {
    // The only kind words on offer come with an accusation: saying them costs D1 and D3, not saying them costs 2 points of D1.
    const harsh = makeScenario({
      beats: {
        opening: { say: 'New SIM please.', tactics: [], choices: [{ id: 'mixed', text: 'Sorry, but you are a scammer.', tags: ['empathy', 'accusatory'] }], on: [] },
      },
    })
    const c = compile(harsh)
    const search = searchGoodPath(c, TEST_RUBRIC)
    expect(search.best).not.toBeNull()
    expect(search.best!.report.compliance).toBe('pass')
    expect(search.best!.report.score).toBe(98)
    expect(search.best!.report.deductions.map((d) => d.item)).toEqual(['D1'])
    expect(search.complete).toBe(true)
    expect(search.budget).toBeGreaterThan(0)
    expect(types(search.best!.events)).not.toContain('say')
  }, 60_000)

  it('reports a bound rather than a wrong answer', () => {
    const c = compile(fraud)
    // The search finds the perfect denial within a few states, so only a bound tighter than that can stop it.
    const search = searchGoodPath(c, TEST_RUBRIC, { maxStates: 3 })
    expect(search.complete).toBe(false)
    expect(search.reason).toMatch(/stopped after 3 states/)
  })
})

describe('the loss bound', () => {
  it('counts what can never be made good for a customer who could be served', () => {
    const c = compile(legit)
    const start = startCall(c, 1)
    expect(lossLowerBound(c, TEST_RUBRIC, start.context)).toBe(0)
    // A flag blocks the change this customer was entitled to: C1, and the false positive, are settled.
    expect(lossLowerBound(c, TEST_RUBRIC, step(c, start, { type: 'flag-account' }).context)).toBe(35)
    // No referral can ever be due here: one is needless for good.
    expect(lossLowerBound(c, TEST_RUBRIC, step(c, start, { type: 'escalate', team: 'supervisor' }).context)).toBe(10)
    // Deciding before verifying costs part of A1; not checking first, part of A3.
    expect(lossLowerBound(c, TEST_RUBRIC, step(c, start, { type: 'deny' }).context)).toBe(9)
  })

  it('leaves a referral alone where one may become due', () => {
    const c = compile(ambiguous) // a lost phone: the remote fallback needs a fraud review (R13b)
    expect(lossLowerBound(c, TEST_RUBRIC, step(c, startCall(c, 1), { type: 'escalate', team: 'fraud' }).context)).toBe(0)
  })
})

// ---------- the serialization is sound ----------

/**
 * Two calls with the same score key must stay alike: after any common
 * continuation their keys still agree and they score the same. This is what
 * lets the search keep one call per key. Random walks over the full alphabet
 * meet the same key by different routes all the time (commuting actions,
 * repeats, parameter values the world treats alike).
 */
const soundnessScenarios: Array<[string, Scenario]> = [
  ['fraud', fraud],
  ['legit', legit],
  ['ambiguous', ambiguous],
  ['guesser', guesser],
  [
    'victim',
    makeScenario({
      caller: 'legitimate',
      callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['email-inbox'] },
      account: { pendingOrders: [{ kind: 'sim-change', placedHoursAgo: 2, fraudulent: true }], lineHijacked: true, notes: [{ text: 'VIP', binding: 'vip' }] },
      request: { kind: 'sim-change', summary: 'Someone took my number' },
    }),
  ],
  [
    'port-out',
    makeScenario({
      caller: 'legitimate',
      tactics: [],
      request: { kind: 'port-out-pin', summary: 'Transfer PIN please' },
      callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['device'] },
      choices: [
        { id: 'stay', text: 'Are you sure? We have deals.', tags: ['retention-pressure'] },
        { id: 'glad', text: 'Happy to help.', tags: ['empathy', 'next-steps'] },
      ],
    }),
  ],
]

const SYNTHETIC_RUNS = { keys: 400, minCompared: 100, bound: 400, leftOut: 150 }

describe.each(soundnessScenarios)('the state keys and the loss bound are sound (%s)', (_name, scenario) => {
  const c = compile(scenario)
  it('calls with the same score key agree after any common continuation', () => scoreKeyIsSound(c, TEST_RUBRIC, SYNTHETIC_RUNS), 60_000)
  it('calls with the same world key agree on critical findings and fraud wins after any common continuation', () => worldKeyIsSound(c, SYNTHETIC_RUNS), 60_000)
  it('the loss bound never passes the real loss and never falls', () => lossBoundIsSound(c, TEST_RUBRIC, SYNTHETIC_RUNS), 60_000)
  it('an action exploration leaves out changes nothing, or nothing a kept action does, or never helps', () => leftOutActionsNeverHelp(c, TEST_RUBRIC, SYNTHETIC_RUNS), 60_000)
})
