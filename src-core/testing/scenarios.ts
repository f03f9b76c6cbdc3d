import { Scenario, type ScenarioInput } from '../scenario/schema'
import { Rubric } from '../scoring/rubric'
import { DEFAULT_POLICY } from '../engine/policy'
import type { AgentAction, SessionEvent } from '../engine/events'

/**
 * Small scenarios for unit tests: a base call plus the overrides a test cares
 * about, so each test states only the facts it is about.
 */
export function makeScenario(
  overrides: Omit<Partial<ScenarioInput>, 'callerFacts' | 'account'> & {
    callerFacts?: Partial<ScenarioInput['callerFacts']>
    account?: Partial<ScenarioInput['account']>
  } = {},
): Scenario {
  const base: ScenarioInput = {
    schemaVersion: 2,
    id: 'unit',
    title: 'Unit scenario',
    summary: 'A caller wants a SIM change.',
    tier: 1,
    caller: 'fraud',
    tactics: [],
    request: { kind: 'sim-change', summary: 'Move my number to a new SIM' },
    account: {
      holder: 'Sam Carter',
      line: '+1 555 0100 200',
      pin: '123456',
      dob: 'May 1, 1980',
      address: '1 Main St',
      email: { address: 'sam@example.com' },
      device: { model: 'iPhone 15', sim: 'esim' },
    },
    callerFacts: {
      identity: 'impostor',
      callingFrom: { number: '+1 555 0199 000', networkVerified: false },
      knows: ['name', 'dob'],
      holds: ['new-sim'],
    },
    beats: {
      opening: {
        say: 'Hi, I need my number on a new SIM.',
        tactics: [],
        on: [{ action: 'deny', goto: 'pushback' }],
      },
      pushback: {
        say: 'Come on, please!',
        tactics: ['urgency'],
        choices: [
          { id: 'kind', text: 'For your protection I cannot do this on a call; a store can help today.', tags: ['empathy', 'explains-why', 'next-steps'] },
          { id: 'rude', text: 'You are obviously a scammer.', tags: ['accusatory'] },
          { id: 'hint', text: 'Your PIN starts with a 1, does that help?', tags: ['pin-hint'] },
        ],
      },
      done: { say: 'Bye.', ending: { outcome: 'denied', summary: 'The caller gave up.' } },
    },
  }
  return Scenario.parse({
    ...base,
    ...overrides,
    account: { ...base.account, ...overrides.account },
    callerFacts: { ...base.callerFacts, ...overrides.callerFacts },
  })
}

/** The rubric numbers of scenarios/rubric.yaml, for tests that must not read files. */
export const TEST_RUBRIC: Rubric = Rubric.parse({
  version: 1,
  policy: DEFAULT_POLICY,
  criticalFailures: ['CF1:R4', 'CF2:R5', 'CF3:R8', 'CF4:R9', 'CF5:R15', 'CF6:R10', 'CF7:R21', 'CF8:R18'].map((s) => {
    const [id, rule] = s.split(':')
    return { id, rule, title: id }
  }),
  sections: [
    { id: 'A', title: 'A', items: [['A1', 15, 'R3'], ['A2', 8, 'R7'], ['A3', 8, 'R9'], ['A4', 7, 'R11'], ['A5', 7, 'R16']].map(item) },
    { id: 'B', title: 'B', items: [['B1', 10, 'R17'], ['B2', 6, 'R17'], ['B3', 4, 'R4']].map(item) },
    { id: 'C', title: 'C', items: [['C1', 10, 'R13'], ['C2', 5, 'R20']].map(item) },
    { id: 'D', title: 'D', items: [['D1', 5, 'R20'], ['D2', 5, 'R20'], ['D3', 5, 'R20']].map(item) },
    { id: 'E', title: 'E', items: [['E1', 5, 'R19']].map(item) },
  ],
  adjustments: [
    ['OUT-false-positive', 25, 'R4'],
    ['OUT-no-safe-path', 15, 'R13'],
    ['OUT-accusatory-legit', 10, 'R20'],
    ['OUT-needless-escalation', 10, 'R17'],
    ['OUT-non-factor', 5, 'R3'],
    ['OUT-retention-pressure', 5, 'R10'],
  ].map(item),
})

function item([id, points, rule]: (string | number)[]) {
  return { id, points, rule, title: String(id) }
}

/** Number and time a list of actions as a session log. */
export function eventsOf(actions: AgentAction[], startAt = 1_000_000): SessionEvent[] {
  return actions.map((a, i) => ({ ...a, seq: i + 1, at: startAt + (i + 1) * 1000 }) as SessionEvent)
}
