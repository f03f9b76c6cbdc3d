// Test support for the loader's suites: the smallest valid scenario and
// fast-check arbitraries for valid scenarios. Not imported by app code.
import fc from 'fast-check'
import type { Condition, ScenarioInput } from './schema'
import {
  CHANNELS,
  AGENT_ACTIONS,
  CALLER_TYPES,
  CHANGEABLE_CONTACTS,
  DISCLOSABLE_FIELDS,
  ENDING_OUTCOMES,
  ESCALATION_TEAMS,
  HOLDINGS,
  HRT_KINDS,
  HRT_TARGETS,
  KNOWLEDGE_ITEMS,
  KNOWLEDGE_QUESTIONS,
  NOTE_BINDINGS,
  OTP_DESTINATIONS,
  PHRASING_TAGS,
  RULE_IDS,
  SAFE_PATHS,
  TACTICS,
} from './vocabulary'

/** The smallest scenario the schema accepts, with one branch and an ending. Line numbers matter to the tests. */
export const MINIMAL_SCENARIO_YAML = `# yaml-language-server: $schema=./scenario.schema.json
schemaVersion: 2
id: minimal-call
title: A minimal call
summary: The smallest scenario the schema accepts.
tier: 1
caller: legitimate
request:
  kind: sim-change
  summary: Move my number to a new SIM
account:
  holder: Dana Whitfield
  line: "+1 555 0100 134"
  pin: "482913"
  email:
    address: dana.w@example.com
  device:
    model: Pixel 8
    sim: physical
callerFacts:
  identity: holder
  callingFrom:
    number: "+1 555 0100 134"
beats:
  greeting:
    say: Hi, I need a new SIM for my phone.
    on:
      - action: ask-pin
        say: It's 482913.
      - action: deny
        goto: goodbye
  goodbye:
    ending:
      outcome: denied
      summary: The agent refused the change.
`

// ---------- arbitraries for valid scenarios ----------

const idArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)

// Strings that YAML would read as something else unless quoted, plus any Unicode text.
const trickyText = fc.constantFrom(
  'yes',
  'no',
  'null',
  '~',
  'true',
  '1e3',
  '0x1F',
  '012',
  '.inf',
  '- item',
  '# not a comment',
  'key: value',
  '"quoted"',
  "it's",
  '&anchor',
  '*alias',
  '!!js/function',
  '[1, 2]',
  '{a: 1}',
  ' leading space',
  'trailing space ',
  'two\nlines',
  'tab\there',
  '---',
  '...',
  '@at',
  '`tick`',
  '%percent',
  '\\backslash',
  'emoji 📞 call',
)
const textArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }) },
  { weight: 1, arbitrary: trickyText },
)
const phoneArb = fc.stringMatching(/^\+?[0-9 ()-]{5,24}$/)
const digits = (n: number, m: number) => fc.stringMatching(new RegExp(`^[0-9]{${n},${m}}$`))
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
const linesArb = fc.oneof(textArb, fc.array(textArb, { minLength: 1, maxLength: 3 }))

/** Drop keys whose value is undefined, as a parsed file would not have them. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ verified: fc.boolean() }, { noNullPrototype: true }),
    fc.record({ factors: fc.integer({ min: 0, max: 4 }) }, { noNullPrototype: true }),
    fc.record({ failedAttempts: fc.integer({ min: 0, max: 10 }) }, { noNullPrototype: true }),
    fc.record({ did: fc.constantFrom(...AGENT_ACTIONS) }, { noNullPrototype: true }),
    fc.record({ holds: fc.constantFrom(...HOLDINGS) }, { noNullPrototype: true }),
    fc.record({ knows: fc.constantFrom(...KNOWLEDGE_ITEMS) }, { noNullPrototype: true }),
    fc.record({ hrtBlocked: fc.boolean() }, { noNullPrototype: true }),
    fc.record({ all: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }, { noNullPrototype: true }),
    fc.record({ any: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }, { noNullPrototype: true }),
    fc.record({ not: tie('condition') }, { noNullPrototype: true }),
  ),
})).condition

const withArb = fc
  .record(
    {
      to: fc.constantFrom(...OTP_DESTINATIONS),
      question: fc.constantFrom(...KNOWLEDGE_QUESTIONS),
      field: fc.constantFrom(...DISCLOSABLE_FIELDS),
      team: fc.constantFrom(...ESCALATION_TEAMS),
      path: fc.constantFrom(...SAFE_PATHS),
      kind: fc.constantFrom(...HRT_KINDS),
      choice: idArb,
    },
    { requiredKeys: [], noNullPrototype: true },
  )

const choiceArb = fc.record({ id: idArb, text: textArb, tags: fc.uniqueArray(fc.constantFrom(...PHRASING_TAGS), { maxLength: 3 }) }, { noNullPrototype: true })

function branchArb(beatIds: readonly string[]) {
  return fc
    .record({
      action: fc.oneof(fc.constantFrom(...AGENT_ACTIONS), fc.array(fc.constantFrom(...AGENT_ACTIONS), { minLength: 1, maxLength: 3 })),
      with: opt(withArb),
      when: opt(conditionArb),
      say: opt(linesArb),
      tactics: fc.array(fc.constantFrom(...TACTICS), { maxLength: 2 }),
      goto: opt(fc.constantFrom(...beatIds)),
    })
    .map(compact)
}

function beatArb(beatIds: readonly string[]) {
  return fc
    .record({
      say: opt(linesArb),
      tactics: fc.array(fc.constantFrom(...TACTICS), { maxLength: 3 }),
      choices: fc.array(choiceArb, { maxLength: 2 }),
      on: fc.array(branchArb(beatIds), { maxLength: 3 }),
      ending: opt(fc.record({ outcome: fc.constantFrom(...ENDING_OUTCOMES), summary: textArb }, { noNullPrototype: true })),
    })
    .map(compact)
}

const accountArb = fc
  .record({
    holder: textArb,
    line: phoneArb,
    accountNumber: textArb,
    pin: fc.option(digits(4, 8), { nil: null }),
    dob: opt(fc.string({ maxLength: 12 })),
    ssnLast4: opt(digits(4, 4)),
    address: opt(textArb),
    plan: fc.string({ maxLength: 20 }),
    cardLast4: opt(digits(4, 4)),
    lastPayment: opt(fc.string({ maxLength: 20 })),
    activationDate: opt(fc.constantFrom('2019-05-02', '2024-01-31')),
    email: fc.record({ address: fc.string({ minLength: 3, maxLength: 30 }) }, { noNullPrototype: true }),
    device: fc.record({ model: textArb, sim: fc.constantFrom('physical' as const, 'esim' as const), imei: opt(digits(15, 15)) }, { noNullPrototype: true }).map(compact),
    locks: fc.record({ simProtection: fc.boolean(), numberLock: fc.boolean() }, { noNullPrototype: true }),
    notes: fc.array(fc.record({ text: textArb, binding: fc.constantFrom(...NOTE_BINDINGS) }, { noNullPrototype: true }), { maxLength: 2 }),
    recentChanges: fc.array(
      fc.record({ field: fc.constantFrom(...CHANGEABLE_CONTACTS), daysAgo: fc.integer({ min: 0, max: 3650 }), detail: opt(textArb) }, { noNullPrototype: true }).map(compact),
      { maxLength: 2 },
    ),
    priorFailedAttempts: fc.integer({ min: 0, max: 50 }),
    pendingOrders: fc.array(
      fc.record({
        kind: fc.constantFrom(...HRT_KINDS),
        placedHoursAgo: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true })),
        fraudulent: fc.boolean(),
      }, { noNullPrototype: true }),
      { maxLength: 2 },
    ),
    lineHijacked: fc.boolean(),
  })
  .map(compact)

const callerFactsArb = fc
  .record({
    claimsToBe: opt(textArb),
    identity: fc.constantFrom('holder' as const, 'authorised-user' as const, 'impostor' as const, 'third-party' as const),
    callingFrom: fc.record({ number: phoneArb, networkVerified: fc.boolean() }, { noNullPrototype: true }),
    knows: fc.uniqueArray(fc.constantFrom(...KNOWLEDGE_ITEMS), { maxLength: 4 }),
    holds: fc.uniqueArray(fc.constantFrom(...HOLDINGS), { maxLength: 2 }),
    guesses: fc.record({ pin: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }) }, { noNullPrototype: true }),
    suppliedNumber: opt(phoneArb),
    relaysCodes: fc.boolean(),
  })
  .map(compact)

/** A target of the kind's type (schema.ts, hrtTargetProblem): an email, a phone number, or any text that is not blank. */
const targetArb = (kind: (typeof HRT_KINDS)[number]): fc.Arbitrary<string> => {
  const needs = HRT_TARGETS[kind]
  if (needs === 'email') return fc.emailAddress().filter((e) => e.length <= 200)
  if (needs === 'number') return phoneArb.filter((p) => /[0-9]/.test(p))
  return textArb.filter((t) => t.trim().length > 0 && t.length <= 200)
}

/** Structurally valid scenarios: every `goto` and `start` names a beat that exists. */
// Kinds with a target get one; a QR or SIM may go to the contact of record (no target).
const requestArb = fc.constantFrom(...HRT_KINDS).chain((kind) =>
  fc.record(
    {
      kind: fc.constant(kind),
      summary: textArb,
      ...(HRT_TARGETS[kind] ? { target: kind === 'esim-qr' || kind === 'ship-sim' ? opt(targetArb(kind)) : targetArb(kind) } : {}),
    },
    { noNullPrototype: true },
  ).map(({ target, ...rest }) => (target === undefined ? rest : { ...rest, target })),
)

/** Scenario files as an author writes them (the schema's input). */
export const scenarioArb: fc.Arbitrary<ScenarioInput> = fc
  .uniqueArray(idArb, { minLength: 1, maxLength: 4 })
  .chain((beatIds) =>
    fc.record({
      $schema: opt(fc.constant('./scenario.schema.json')),
      schemaVersion: fc.constant(2 as const),
      id: idArb,
      title: textArb,
      summary: textArb,
      tier: fc.constantFrom(1 as const, 2 as const, 3 as const),
      caller: fc.constantFrom(...CALLER_TYPES),
      channel: fc.constantFrom(...CHANNELS),
      variants: fc.constant({}),
      tactics: fc.array(fc.constantFrom(...TACTICS), { maxLength: 3 }),
      rules: fc.uniqueArray(fc.constantFrom(...RULE_IDS), { maxLength: 3 }),
      redFlags: fc.array(textArb, { maxLength: 2 }),
      goodPractice: opt(textArb),
      request: fc.oneof(requestArb, fc.array(requestArb, { minLength: 2, maxLength: 3 })),
      account: accountArb,
      callerFacts: callerFactsArb,
      choices: fc.array(choiceArb, { maxLength: 2 }),
      on: fc.array(branchArb(beatIds), { maxLength: 2 }),
      start: opt(fc.constantFrom(...beatIds)),
      beats: fc.tuple(...beatIds.map(() => beatArb(beatIds))).map((beats) => Object.fromEntries(beatIds.map((id, i) => [id, beats[i]!]))),
    }, { noNullPrototype: true }),
  )
  .map((s) => compact(s) as ScenarioInput)
