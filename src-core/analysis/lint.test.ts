import { describe, expect, it } from 'vitest'
import { makeScenario, TEST_RUBRIC } from '../testing/scenarios'
import { sourcePositions, type LintProblem } from '../scenario/lint'
import { lintScenario } from './lint'
import { loadScenarioText } from '../scenario/loader'
import type { ScenarioInput } from '../scenario/schema'

const lint = (overrides: Parameters<typeof makeScenario>[0], options?: Parameters<typeof lintScenario>[2]) =>
  lintScenario(makeScenario(overrides), TEST_RUBRIC, options)
const errors = (ps: LintProblem[]) => ps.filter((p) => p.severity === 'error')
const warnings = (ps: LintProblem[]) => ps.filter((p) => p.severity === 'warning')
const at = (ps: LintProblem[], path: string) => ps.filter((p) => p.path === path)

/** A fraud call that lint passes: deny leads on, a kind phrasing ends it, an HRT is a fraud win. */
const cleanBeats: ScenarioInput['beats'] = {
  opening: { say: 'New SIM, please.', on: [{ action: 'deny', goto: 'pushback' }] },
  pushback: {
    say: 'Come on!',
    tactics: ['urgency'],
    choices: [{ id: 'kind', text: 'For your protection, a store can do it today.', tags: ['empathy', 'explains-why', 'next-steps'] }],
    on: [{ action: 'say', with: { choice: 'kind' }, goto: 'done' }],
  },
  done: { say: 'Fine.', ending: { outcome: 'denied', summary: 'Gave up.' } },
  swapped: { say: 'Thanks!', ending: { outcome: 'fraud-succeeded', summary: 'Number stolen.' } },
}
const clean = { tactics: ['urgency' as const], beats: cleanBeats, on: [{ action: 'perform-hrt' as const, goto: 'swapped' }] }

describe('structure', () => {
  it('passes a well-formed fraud scenario', () => {
    expect(lint(clean)).toEqual([])
  })

  it('names an undefined goto target and suggests the beat meant', () => {
    const ps = lint({ ...clean, beats: { ...cleanBeats, opening: { say: 'Hi.', on: [{ action: 'deny', goto: 'pushbak' }] } } })
    const [p] = at(ps, 'beats.opening.on[0].goto')
    expect(p).toMatchObject({ severity: 'error', message: "goto target 'pushbak' is not a beat", hint: "did you mean 'pushback'?" })
  })

  it('refuses an unknown start and a beat named like the end of every call', () => {
    const ps = lint({ ...clean, start: 'openin', beats: { ...cleanBeats, 'call-ended': { say: 'Bye.' } } })
    expect(at(ps, 'start')[0]).toMatchObject({ severity: 'error', hint: "did you mean 'opening'?" })
    expect(at(ps, 'beats.call-ended')[0]).toMatchObject({ severity: 'error', message: "'call-ended' is reserved for the end of every call" })
  })

  it('warns about beats and endings no branch leads to', () => {
    const ps = lint({ ...clean, beats: { ...cleanBeats, orphan: { say: 'Hello?', on: [{ action: 'deny' }] }, 'lost-ending': { say: 'Bye.', ending: { outcome: 'hung-up', summary: 'x' } } } })
    expect(at(ps, 'beats.orphan')[0]).toMatchObject({ severity: 'warning', message: "beat 'orphan' can never be reached: no branch goes to it" })
    expect(at(ps, 'beats.lost-ending')[0]).toMatchObject({ severity: 'warning', message: "ending 'lost-ending' can never be reached: no branch goes to it" })
  })

  it('warns about a dead end, and not about a beat whose only way out is ending the call', () => {
    const ps = lint({
      tactics: ['urgency'],
      beats: {
        opening: { say: 'Hi.', on: [{ action: 'deny', goto: 'silent' }, { action: 'offer-safe-path', goto: 'talking' }] },
        silent: { say: 'Oh.' },
        talking: { say: 'A store?', choices: [{ id: 'yes', text: 'Yes, any store.', tags: ['next-steps'] }], on: [{ action: 'say', say: 'OK.' }] },
      },
    })
    expect(at(ps, 'beats.silent')[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining("beat 'silent' is a dead end") })
    expect(at(ps, 'beats.talking')).toEqual([])
    expect(at(ps, 'beats.opening')).toEqual([])
  })

  it('a global branch that leads on keeps a quiet beat from being a dead end', () => {
    const ps = lint({ ...clean, beats: { ...cleanBeats, opening: { say: 'Hi.', on: [{ action: 'deny', goto: 'quiet' }] }, quiet: { say: 'So?' } } })
    expect(at(ps, 'beats.quiet')).toEqual([])
  })

  it('checks that a said choice exists where the branch listens', () => {
    const ps = lint({
      ...clean,
      beats: { ...cleanBeats, pushback: { ...cleanBeats.pushback!, on: [{ action: 'say', with: { choice: 'knd' }, goto: 'done' }] } },
      choices: [{ id: 'sorry', text: 'Sorry.', tags: ['empathy'] }],
    })
    expect(at(ps, 'beats.pushback.on[0].with.choice')[0]).toMatchObject({
      severity: 'error',
      message: "there is no choice 'knd' in beat 'pushback' or among the global choices",
      hint: "did you mean 'kind'?",
    })
  })

  it('a global branch may answer a choice of any beat', () => {
    const ps = lint({ ...clean, on: [...clean.on, { action: 'say', with: { choice: 'kind' }, say: 'Hm.' }] })
    expect(errors(ps)).toEqual([])
  })

  it('refuses duplicate choice ids and warns when a beat hides a global choice', () => {
    const ps = lint({
      ...clean,
      choices: [
        { id: 'kind', text: 'Global kind words.', tags: ['empathy'] },
        { id: 'twice', text: 'One.', tags: [] },
        { id: 'twice', text: 'Two.', tags: [] },
      ],
    })
    expect(at(ps, 'choices[2].id')[0]).toMatchObject({ severity: 'error', message: "choice id 'twice' is used twice here" })
    expect(at(ps, 'beats.pushback.choices[0].id')[0]).toMatchObject({ severity: 'warning' })
  })

  it("refuses a 'with' that belongs to another action", () => {
    const ps = lint({ ...clean, beats: { ...cleanBeats, opening: { say: 'Hi.', on: [{ action: 'deny', goto: 'pushback' }, { action: 'ask-pin', with: { to: 'line-of-record' }, say: 'PIN?' }] } } })
    const [p] = at(ps, 'beats.opening.on[1].with.to')
    expect(p).toMatchObject({ severity: 'error', message: "'with: { to: ... }' belongs to send-otp, but this branch is for ask-pin" })
    expect(p!.hint).toMatch(/ask-pin takes no parameters/)
  })

  it("warns when 'with' fits only some of a branch's actions", () => {
    const ps = lint({ ...clean, on: [...clean.on, { action: ['send-otp', 'ask-pin'], with: { to: 'line-of-record' }, say: 'Hm.' }] })
    expect(at(ps, 'on[1].with.to')[0]).toMatchObject({ severity: 'warning', message: "this branch never fires for ask-pin: only send-otp has 'to'" })
  })

  it("warns about tactics used in beats but missing from the scenario's list", () => {
    const ps = lint({ ...clean, tactics: [] })
    expect(at(ps, 'beats.pushback.tactics[0]')[0]).toMatchObject({ severity: 'warning', message: "tactic 'urgency' is used but not listed in the scenario's tactics" })
  })

  it('warns about a beat the story points at but no call reaches', () => {
    const ps = lint({ ...clean, beats: { ...cleanBeats, opening: { say: 'Hi.', on: [{ action: 'deny', goto: 'pushback' }, { action: 'ask-pin', when: { holds: 'device' }, goto: 'never' }] }, never: { say: '!', on: [{ action: 'deny' }] } } })
    expect(at(ps, 'beats.never')[0]).toMatchObject({ severity: 'warning', message: "beat 'never' is never reached on any call: the branches into it never fire" })
  })
})

describe('safety property (a): every fraud win has a critical failure', () => {
  it('fails, with a counterexample, when the fraudster knows the PIN and holds the phone', () => {
    const ps = lint({ ...clean, callerFacts: { knows: ['name', 'pin'], holds: ['device', 'new-sim'] } })
    const [p] = at(ps, 'callerFacts')
    expect(p!.severity).toBe('error')
    expect(p!.message).toMatch(/^safety: a fraudster can get a high-risk change \(.+\) without any critical failure/)
    expect(p!.hint).toMatch(/they know the PIN and hold the phone/)
    expect(p!.counterexample).toEqual([
      '1. Ask for the account PIN',
      expect.stringMatching(/^2\. Send a one-time code\b.*line of record/),
      expect.stringMatching(/^3\. /),
    ])
  })

  it('says it could not prove the property when the bound is hit', () => {
    const ps = lint(clean, { explore: { maxStates: 2 } })
    expect(at(ps, 'caller')[0]).toMatchObject({ severity: 'error', message: expect.stringMatching(/^lint could not prove that every fraud win has a critical failure within \d+ states \(stopped after 2 states\)/) })
  })
})

describe('safety property (b): a real customer can be served with no deduction', () => {
  const legit = {
    caller: 'legitimate' as const,
    tactics: [],
    callerFacts: { identity: 'holder' as const, knows: ['name' as const, 'pin' as const], holds: ['device' as const] },
    beats: { opening: { say: 'Hi, I need a new SIM.' } },
  }

  it('holds for a verifiable customer', () => {
    expect(lint(legit)).toEqual([])
  })

  it('holds for a customer who can only be given a safe path', () => {
    expect(lint({ ...legit, caller: 'ambiguous', callerFacts: { ...legit.callerFacts, holds: [] } })).toEqual([])
  })

  it('fails, with the best call found, when every call costs points', () => {
    const ps = lint({ ...legit, choices: [{ id: 'mixed', text: 'Sorry, but you sound like a scammer.', tags: ['empathy', 'accusatory'] }] })
    const [p] = at(ps, 'caller')
    expect(p!.severity).toBe('error')
    expect(p!.message).toBe('safety: no call lets this legitimate customer be served with no deduction; the best scores 98 (D1 -2)')
    expect(p!.counterexample!.length).toBeGreaterThan(3)
  }, 60_000)

  it('says it could not prove the property when the bound is hit', () => {
    const ps = lint(legit, { explore: { maxStates: 5 } })
    expect(at(ps, 'caller')[0]!.message).toMatch(/^lint could not prove that this customer can be served with no deduction within \d+ states/)
  })
})

describe('positions', () => {
  const text = `schemaVersion: 2
id: positions
title: Positions
summary: Where things are.
tier: 1
caller: fraud
request: { kind: sim-change, summary: New SIM }
account:
  holder: A B
  line: "+1 555 0100 200"
  pin: "123456"
  email: { address: a@example.com }
  device: { model: Phone, sim: esim }
callerFacts:
  identity: impostor
  callingFrom: { number: "+1 555 0199 000" }
beats:
  opening:
    say: Hi.
    on:
      - action: deny
        goto: pushbak
  pushback:
    say: Please.
    tactics: [urgency]
`

  it('gives each problem the line and column where it is written', () => {
    const scenario = loadScenarioText(text, 'positions.yaml')
    const ps = lintScenario(scenario, TEST_RUBRIC, { source: sourcePositions(text) })
    expect(at(ps, 'beats.opening.on[0].goto')[0]).toMatchObject({ line: 22, col: 15 })
    expect(at(ps, 'beats.pushback.tactics[0]')[0]).toMatchObject({ line: 25, col: 15, severity: 'warning' })
    expect(sourcePositions(text)(['beats', 'pushback'])).toEqual({ line: 23, col: 3 })
  })

  it('points at the nearest written part of a path that is not written', () => {
    const where = sourcePositions(text)
    expect(where(['beats', 'opening', 'on', 0, 'when'])).toEqual({ line: 21, col: 9 })
    expect(where(['start'])).toEqual({ line: 1, col: 1 })
  })
})

describe('warnings are not errors', () => {
  it('keeps its severity levels apart', () => {
    const ps = lint({ ...clean, tactics: [] })
    expect(errors(ps)).toEqual([])
    expect(warnings(ps).length).toBeGreaterThan(0)
  })
})
