import { z } from 'zod'
import {
  AGENT_ACTIONS,
  CALLER_CLAIMS,
  CALLER_TYPES,
  CHANNELS,
  CHANGEABLE_CONTACTS,
  CONTACT_APPROACHES,
  DISCLOSABLE_FIELDS,
  ENDING_OUTCOMES,
  ESCALATION_TEAMS,
  HOLDINGS,
  HRT_KINDS,
  HRT_TARGETS,
  ID_CHECK_METHODS,
  KNOWLEDGE_ITEMS,
  KNOWLEDGE_QUESTIONS,
  NOTE_BINDINGS,
  OTP_DESTINATIONS,
  PHRASING_TAGS,
  RULE_IDS,
  SAFE_PATHS,
  TACTICS,
} from './vocabulary'

/**
 * Scenario format, version 2.
 *
 * Bump SCHEMA_VERSION when a file valid under the old version would mean
 * something else under the new one; MIN_SCHEMA_VERSION is the oldest version
 * this loader still reads (sessions store the scenario hash and engine version,
 * so an old session is always replayed against the file it was played with).
 *
 * Version 2 (issue 7): every R1 transaction is its own kind (`change-contact`
 * is gone: `change-email`, `change-address`, `change-pin`...), a request may
 * name its target and a scenario may list several requests, and the caller's
 * facts say who they present as (`claims`), whether the holder is with them
 * (`holderOnCall`) and whether someone coaches them (`coached`). A version 1
 * file is refused with a sentence saying what to change (loader.ts).
 */
export const SCHEMA_VERSION = 2
export const MIN_SCHEMA_VERSION = 2

// Ids start with a letter: a YAML mapping key like "1" would be reordered by
// JavaScript objects, and "the first beat written" would silently change.
const id = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'start with a letter, then lower-case letters, digits and hyphens, e.g. "airport-stolen-phone"')
const text = z.string().min(1).max(2000)
const PHONE = /^\+?[0-9 ()-]{5,24}$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const phone = z.string().regex(PHONE, 'a phone number such as "+1 555 0100 134"')

export const Tactic = z.enum(TACTICS)
export const RuleId = z.enum(RULE_IDS as [string, ...string[]])

// ---------- world facts ----------

const Device = z.strictObject({
  model: text.describe('Shown on the console, e.g. "Pixel 8"'),
  sim: z.enum(['physical', 'esim']),
  imei: z.string().optional(),
})

const AccountNote = z.strictObject({
  text: text,
  binding: z
    .enum(NOTE_BINDINGS)
    .default('info')
    .describe('in-person-only, high-risk and vip notes are binding (R9, R17)'),
})

const RecentChange = z.strictObject({
  field: z.enum(CHANGEABLE_CONTACTS),
  daysAgo: z.number().int().min(0).max(3650),
  detail: z.string().optional(),
})

const PendingOrder = z.strictObject({
  kind: z.enum(HRT_KINDS),
  placedHoursAgo: z.number().min(0),
  fraudulent: z.boolean().describe('Ground truth: was this order placed by an attacker? (R21)'),
})

export const Account = z.strictObject({
  holder: text,
  line: phone,
  accountNumber: z.string().default('7700 1234 5678'),
  pin: z.string().regex(/^[0-9]{4,8}$/).nullable().describe('null when the holder never set one'),
  dob: z.string().optional(),
  ssnLast4: z.string().regex(/^[0-9]{4}$/).optional(),
  address: z.string().optional(),
  plan: z.string().default('Unlimited Plus'),
  cardLast4: z.string().regex(/^[0-9]{4}$/).optional(),
  lastPayment: z.string().optional(),
  activationDate: z.string().optional(),
  email: z.strictObject({ address: z.string().min(3) }),
  device: Device,
  locks: z
    .strictObject({ simProtection: z.boolean().default(false), numberLock: z.boolean().default(false) })
    .default({ simProtection: false, numberLock: false }),
  notes: z.array(AccountNote).default([]),
  recentChanges: z.array(RecentChange).default([]),
  priorFailedAttempts: z.number().int().min(0).max(50).default(0).describe('failed factor attempts in the last 24 h, across agents (R7)'),
  pendingOrders: z.array(PendingOrder).default([]),
  lineHijacked: z.boolean().default(false).describe('the line of record is currently on an attacker SIM (R21)'),
})

export const CallerFacts = z.strictObject({
  claimsToBe: text.optional().describe('who the caller says they are; defaults to the account holder'),
  identity: z
    .enum(['holder', 'authorised-user', 'impostor', 'third-party'])
    .describe('ground truth: who is really calling'),
  callingFrom: z.strictObject({ number: phone, networkVerified: z.boolean().default(false) }),
  knows: z.array(z.enum(KNOWLEDGE_ITEMS)).default([]).describe('what the caller can answer correctly'),
  holds: z.array(z.enum(HOLDINGS)).default([]).describe('device = the phone of record'),
  guesses: z
    .strictObject({ pin: z.array(z.string()).default([]) })
    .default({ pin: [] })
    .describe('wrong answers the caller gives, in order, when asked for what they do not know'),
  suppliedNumber: phone.optional().describe('the number the caller asks codes to be sent to'),
  relaysCodes: z.boolean().default(false).describe('reads out codes sent to a device they say is lost (R6)'),
  claims: z
    .enum(CALLER_CLAIMS)
    .default('holder')
    .describe('who the person speaking says they are: the holder, an authorised user, a third party (a relative), staff, a store or the police (R15)'),
  holderOnCall: z
    .boolean()
    .default(false)
    .describe('the account holder is with the speaker and comes to the phone when the agent asks for them (R15)'),
  coached: z.boolean().default(false).describe('someone off the line tells the caller what to say (R17: escalate to fraud)'),
  approach: z
    .enum(CONTACT_APPROACHES)
    .optional()
    .describe(
      'what the contact asks of the agent: customer (a service on the account, for its customer: verify, then serve or give a safe path), legal (an authority asks for an investigation: the legal-process team, R15), insider (the agent is asked to act as an insider: for pay, as a favour, or with their own codes: refuse and report, R18). Defaults to legal for a police claim, else customer',
    ),
})

/**
 * What is wrong with `target` as the target of a `kind` transaction, as a
 * clause for people; null when it fits. One definition for the scenario's
 * requests and for the trainee's perform-hrt (src-core/engine/events.ts).
 */
export function hrtTargetProblem(kind: (typeof HRT_KINDS)[number], target: string): string | null {
  const needs = HRT_TARGETS[kind]
  if (!needs) return `a ${kind} has no target`
  const value = target.trim()
  if (!value) return `the ${needs} is empty`
  if (needs === 'email' && !EMAIL.test(value)) return `"${target}" is not an email address (name@example.com)`
  if (needs === 'number' && !(PHONE.test(target) && /[0-9]/.test(target))) return `"${target}" is not a phone number (digits, spaces, brackets, hyphens and a leading +, e.g. "+1 555 0150 882")`
  return null
}

export const Request = z
  .strictObject({
    kind: z.enum(HRT_KINDS),
    target: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('what the change is to: the new email or address, the number to forward to, where to send the QR or ship the SIM. Without it, a QR or SIM goes to the contact of record'),
    summary: text.describe('one line for the console, e.g. "Move my number to a new eSIM"'),
  })
  .superRefine((r, ctx) => {
    const needs = HRT_TARGETS[r.kind]
    if (r.target === undefined && needs && r.kind !== 'esim-qr' && r.kind !== 'ship-sim')
      ctx.addIssue({ code: 'custom', path: ['target'], message: `a ${r.kind} request names its target (the new ${needs}), e.g. target: "new.me@example.net"` })
    if (r.target !== undefined && !needs)
      ctx.addIssue({ code: 'custom', path: ['target'], message: `a ${r.kind} request has no target; remove 'target'` })
    else if (r.target !== undefined) {
      const problem = hrtTargetProblem(r.kind, r.target)
      if (problem) ctx.addIssue({ code: 'custom', path: ['target'], message: problem })
    }
  })

// ---------- narrative ----------

export type Condition =
  | { verified: boolean }
  | { factors: number }
  | { failedAttempts: number }
  | { did: (typeof AGENT_ACTIONS)[number] }
  | { holds: (typeof HOLDINGS)[number] }
  | { knows: (typeof KNOWLEDGE_ITEMS)[number] }
  | { hrtBlocked: boolean }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ verified: z.boolean() }),
    z.strictObject({ factors: z.number().int().min(0).max(4).describe('at least this many valid factors') }),
    z.strictObject({ failedAttempts: z.number().int().min(0).max(10).describe('at least this many failed attempts') }),
    z.strictObject({ did: z.enum(AGENT_ACTIONS) }),
    z.strictObject({ holds: z.enum(HOLDINGS) }),
    z.strictObject({ knows: z.enum(KNOWLEDGE_ITEMS) }),
    z.strictObject({ hrtBlocked: z.boolean() }),
    z.strictObject({ all: z.array(Condition).min(1) }),
    z.strictObject({ any: z.array(Condition).min(1) }),
    z.strictObject({ not: Condition }),
  ]),
)

/** Narrow a branch to one value of the action's parameter. */
const With = z
  .strictObject({
    to: z.enum(OTP_DESTINATIONS).optional(),
    question: z.enum(KNOWLEDGE_QUESTIONS).optional(),
    field: z.enum(DISCLOSABLE_FIELDS).optional(),
    team: z.enum(ESCALATION_TEAMS).optional(),
    path: z.enum(SAFE_PATHS).optional(),
    kind: z.enum(HRT_KINDS).optional(),
    method: z.enum(ID_CHECK_METHODS).optional(),
    choice: id.optional(),
  })
  .describe('match only when the action has these parameters')

const Lines = z.union([text, z.array(text).min(1)])

export const Branch = z.strictObject({
  action: z.union([z.enum(AGENT_ACTIONS), z.array(z.enum(AGENT_ACTIONS)).min(1)]),
  with: With.optional(),
  when: Condition.optional().describe('evaluated after the action took effect'),
  say: Lines.optional().describe("the caller's reply; without it the caller answers from the facts"),
  tactics: z.array(Tactic).default([]),
  goto: id.optional().describe('the next beat; without it the call stays in this beat'),
})

export const Choice = z.strictObject({
  id: id,
  text: text,
  tags: z.array(z.enum(PHRASING_TAGS)).default([]),
})

export const Ending = z.strictObject({
  outcome: z.enum(ENDING_OUTCOMES),
  summary: text,
})

export const Beat = z.strictObject({
  say: Lines.optional().describe('what the caller says on entering this beat'),
  tactics: z.array(Tactic).default([]),
  choices: z.array(Choice).default([]).describe('phrasings the agent may use while in this beat'),
  on: z.array(Branch).default([]),
  ending: Ending.optional().describe('makes this beat a final one'),
})

export const Scenario = z.strictObject({
  $schema: z.string().optional(),
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: id,
  title: text,
  summary: text.describe('for authors and supervisors: may say who the caller really is'),
  briefing: text
    .optional()
    .describe('what the trainee reads before taking the call; never reveal whether the caller is genuine. Defaults to the request summary'),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  caller: z.enum(CALLER_TYPES).describe('fraud, legitimate, or ambiguous (real customer whose request needs a safe alternative)'),
  channel: z.enum(CHANNELS).default('phone').describe('phone: an inbound call; store: a customer at a store counter; message: a message to the agent'),
  variants: z
    .record(id, z.array(text).min(2).max(20))
    .default({})
    .describe('the variable parts of the call: each name lists alternatives, one picked per session by its seed, and written {name} in lines and account details (scenarios/README.md, "Variation")'),
  tactics: z.array(Tactic).default([]),
  rules: z.array(RuleId).default([]).describe('the policy rules this scenario exercises'),
  redFlags: z.array(text).default([]).describe('what a good agent should notice, shown in the report'),
  goodPractice: text.optional().describe('one paragraph: what a good agent does here'),
  request: z
    .union([Request, z.array(Request).min(1).max(6)])
    .describe('what the caller asks for: one R1 transaction, or several in the order they ask (change the email, then send the QR there)'),
  account: Account,
  callerFacts: CallerFacts,
  choices: z.array(Choice).default([]).describe('phrasings available in every beat'),
  on: z.array(Branch).default([]).describe('branches that apply in every beat, after the beat\'s own'),
  start: id.optional().describe('the first beat; defaults to the first one written'),
  beats: z.record(id, Beat),
}).transform((s) => {
  const requests = Array.isArray(s.request) ? s.request : [s.request]
  // `request` is the reason the caller gives (the first one asked); `requests` every one, in order.
  return { ...s, request: requests[0]!, requests }
})

export type Request = z.output<typeof Request>
export type Scenario = z.output<typeof Scenario>
export type ScenarioInput = z.input<typeof Scenario>
export type Account = z.output<typeof Account>
export type CallerFacts = z.output<typeof CallerFacts>
export type Beat = z.output<typeof Beat>
export type Branch = z.output<typeof Branch>
export type Choice = z.output<typeof Choice>
export type Ending = z.output<typeof Ending>

/** The first beat: `start`, or the first written. */
export function startBeat(scenario: Scenario): string {
  return scenario.start ?? Object.keys(scenario.beats)[0]!
}

/** The final state every call reaches on `end-call` unless a branch leads to an authored ending; reserved as a beat id. */
export const ENDED_STATE = 'call-ended'

/** The actions a branch answers. */
export function actionsOf(branch: Branch): (typeof AGENT_ACTIONS)[number][] {
  return Array.isArray(branch.action) ? branch.action : [branch.action]
}
