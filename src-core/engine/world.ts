import type { Account, CallerFacts, Choice, Scenario } from '../scenario/schema'
import {
  DISCLOSABLE_LABELS,
  HRT_LABELS,
  HRT_TARGETS,
  KNOWLEDGE_LABELS,
  CLAIM_LABELS,
  OTP_DESTINATION_LABELS,
  TEAM_LABELS,
  type AgentActionType,
  type Channel,
  type ChangeableContact,
  type ContactApproach,
  type DisclosableField,
  type EscalationTeam,
  type HrtKind,
  type KnowledgeItem,
  type KnowledgeQuestion,
  type NoteItem,
  type OtpDestination,
  type PhrasingTag,
  type SafePath,
  type Tactic,
} from '../scenario/vocabulary'
import type { SessionEvent } from './events'
import { r7Hours, type Policy } from './policy'
import { otpCode } from './random'

/**
 * The generic world model: what every agent action does to the call, derived
 * from the scenario's facts alone. The narrative layer (beats) only chooses
 * what the caller says and where the story goes; it never changes these
 * effects, which is why one scorer can judge every scenario.
 */

/** The actions that try to verify the caller: a factor (R3), or a call back to a known number for a staff claim (R15). */
export const VERIFYING_ACTIONS: readonly AgentActionType[] = ['ask-pin', 'send-otp', 'use-caller-id', 'callback-verify', 'check-id']

export type FactorKind = 'pin' | 'otp' | 'caller-id' | 'photo-id'
/**
 * R4 wants two factors from different categories. Caller ID is possession of
 * the line, like an OTP to it. A scanned and validated photo ID (in store only,
 * R3d) is its own category, the document: R14 pairs it with the PIN or a code.
 */
export type FactorCategory = 'knowledge' | 'possession' | 'document'

export interface FactorPass {
  factor: FactorKind
  category: FactorCategory
  /** False when the system accepted it but policy does not (caller-supplied destination, relayed code, unverified caller ID). */
  valid: boolean
  seq: number
  detail: string
}

/**
 * What policy a step broke, as the world model sees it. The world names the
 * breach; what it costs (a critical failure, or points off which rubric item)
 * is the scorer's to say (src-core/scoring/findings.ts), so rubric ids never
 * appear in the engine.
 */
export type BreachKind =
  | 'attempt-after-limit'
  | 'easier-question-after-failure'
  | 'suspend-without-factor'
  | 'unverified-caller-id'
  | 'no-notice'
  | 'no-hold'
  | 'hrt-unverified'
  | 'hrt-while-blocked'
  | 'code-to-invalid-destination'
  | 'data-disclosed'
  | 'account-number-disclosed'
  | 'transfer-data-unverified'
  | 'destination-not-of-record'
  | 'lock-removed'
  | 'lock-bypassed'
  | 'third-party-answered'
  | 'third-party-request'
  | 'binding-note-overridden'
  | 'authority-bypass'
  | 'verified-through-hijacked-line'
  | 'order-left-pending'
  | 'offer-accepted'
  | 'id-not-scanned'

export interface Finding {
  kind: BreachKind
  /** The action that broke the rule. */
  action: AgentActionType
  rule: string
  seq: number
  message: string
}

/**
 * Who a transcript line is from. `system` lines say what the console did (a
 * fact a real tool would show); `policy` lines are the coaching practice mode
 * adds beside them (the rule that applies), never shown in an assessment.
 */
export type Speaker = 'caller' | 'agent' | 'system' | 'policy'

export interface TranscriptLine {
  seq: number
  speaker: Speaker
  text: string
  tactics: Tactic[]
  beat: string
}

export interface CallContext {
  seed: number
  beat: string
  startedAt: number | null
  lastAt: number | null
  lastSeq: number
  passes: FactorPass[]
  failedAttempts: number
  /** Seq of the first attempt to verify (PIN, code or caller ID). */
  firstVerificationSeq: number | null
  pinGuessesUsed: number
  otpsSent: number
  /** Seq at which the failed-attempt limit of R7 was reached in this call. */
  attemptLimitSeq: number | null
  checkedAccountSeq: number | null
  calledBackSeq: number | null
  suspendedSeq: number | null
  flaggedSeq: number | null
  notifiedSeq: number | null
  deniedSeq: number | null
  ordersCancelledSeq: number | null
  escalations: Array<{ team: EscalationTeam; seq: number }>
  safePaths: Array<{ path: SafePath; seq: number }>
  knowledgeAsked: Array<{ question: KnowledgeQuestion; seq: number; afterFailure: boolean; verified: boolean }>
  disclosed: Array<{ field: DisclosableField; seq: number }>
  hrts: Array<{ kind: HrtKind; seq: number; verified: boolean; notify: boolean; hold: boolean; target: string | null }>
  /** Contacts changed on this call (R5), one entry each: caller-supplied and recent, so never a destination for codes or SIMs. */
  contactChanges: Array<{ field: ChangeableContact; value: string; seq: number }>
  /** The account holder came to the phone after the agent asked for them (R15). */
  holderOnLine: boolean
  /** Seq at which a caller read out a code sent to a device they say they do not have: verification is void (R6). */
  voidFactorSeq: number | null
  /** Seq of the first photo ID that failed its scan at a store counter (R14: deny and escalate). */
  idScanFailedSeq: number | null
  phrasing: Array<{ choice: string; tags: PhrasingTag[]; seq: number }>
  notes: Array<{ items: NoteItem[]; text: string; seq: number }>
  tacticsSeen: Array<{ tactic: Tactic; seq: number; beat: string }>
  did: AgentActionType[]
  /** The action of the last event (the one that ended the call, once it has ended). */
  lastAction: AgentActionType | null
  /** Beats entered so far, in first-visit order. */
  visited: string[]
  findings: Finding[]
  transcript: TranscriptLine[]
  ended: boolean
}

export function initialContext(seed: number, beat: string): CallContext {
  return {
    seed,
    beat,
    startedAt: null,
    lastAt: null,
    lastSeq: 0,
    passes: [],
    failedAttempts: 0,
    firstVerificationSeq: null,
    pinGuessesUsed: 0,
    otpsSent: 0,
    attemptLimitSeq: null,
    checkedAccountSeq: null,
    calledBackSeq: null,
    suspendedSeq: null,
    flaggedSeq: null,
    notifiedSeq: null,
    deniedSeq: null,
    ordersCancelledSeq: null,
    escalations: [],
    safePaths: [],
    knowledgeAsked: [],
    disclosed: [],
    hrts: [],
    contactChanges: [],
    holderOnLine: false,
    voidFactorSeq: null,
    idScanFailedSeq: null,
    phrasing: [],
    notes: [],
    tacticsSeen: [],
    did: [],
    lastAction: null,
    visited: [],
    findings: [],
    transcript: [],
    ended: false,
  }
}

// ---------- state keys (for path search) ----------

/**
 * How each field of the call context enters a state key (contextKey). The
 * table is total over CallContext, so a new field cannot be added without
 * saying how it counts; by default a field counts in full.
 *
 * - history: what happened when, read by nothing that decides (the transcript, the clock, counters shown as text);
 * - fact: compared as it is;
 * - presence: a step number or list read only as "has it happened";
 * - set: a list whose order and repeats nobody reads; `drop` names entry keys read only as text;
 * - multiset: the same, but repeats count (findings: each costs points);
 * - union: a list read only as "is there one" and the union of its entries' `of` lists (the tags of the phrasings said);
 * - final: read only once the call has ended;
 * - conditions: read only for the values the scenario's `did:` conditions name.
 *
 * `world` says whether the world model, the branch conditions or the fraud-win
 * rule read the field to decide what happens next; the scorer reads every
 * field that is not history. Step numbers inside entries are dropped: where
 * the scorer reads the order of two steps it says so itself (scorer.ts,
 * OrderFacts), and its facts join the score key.
 */
export type FieldRole = 'history' | 'fact' | 'presence' | 'set' | 'multiset' | 'union' | 'final' | 'conditions'
export interface FieldUse {
  role: FieldRole
  /** Read by the world to decide what happens next: in full, only as "is there one", or not at all. */
  world: boolean | 'presence'
  drop?: readonly string[]
  /** For a union: the entry key whose values are pooled. */
  of?: string
}

export const CONTEXT_FIELDS: { readonly [K in keyof CallContext]-?: FieldUse } = {
  seed: { role: 'history', world: false },
  beat: { role: 'fact', world: true },
  startedAt: { role: 'history', world: false },
  lastAt: { role: 'history', world: false },
  lastSeq: { role: 'history', world: false },
  // Read by factor, category and validity; the detail is text.
  passes: { role: 'set', world: true, drop: ['detail'] },
  failedAttempts: { role: 'fact', world: true },
  firstVerificationSeq: { role: 'presence', world: false },
  pinGuessesUsed: { role: 'fact', world: true },
  // Only the digits of the next code, which are read as text.
  otpsSent: { role: 'history', world: false },
  attemptLimitSeq: { role: 'presence', world: true },
  checkedAccountSeq: { role: 'presence', world: false },
  calledBackSeq: { role: 'presence', world: false },
  suspendedSeq: { role: 'presence', world: false },
  flaggedSeq: { role: 'presence', world: true },
  notifiedSeq: { role: 'presence', world: false },
  deniedSeq: { role: 'presence', world: false },
  ordersCancelledSeq: { role: 'presence', world: true },
  escalations: { role: 'set', world: false },
  safePaths: { role: 'set', world: false },
  // The scorer reads whether any was asked (the question only in its sentence); a question after a failure is a finding.
  knowledgeAsked: { role: 'presence', world: false },
  // Read by nothing: a disclosure before verification is a finding.
  disclosed: { role: 'history', world: false },
  // The world reads only that a change was made (a fraud win); which ones, the scorer reads.
  hrts: { role: 'set', world: 'presence' },
  contactChanges: { role: 'set', world: true },
  holderOnLine: { role: 'fact', world: true },
  voidFactorSeq: { role: 'presence', world: true },
  // A second scan of the same document is no new failed attempt; the scorer reads it as a fraud referral due (R14, R17).
  idScanFailedSeq: { role: 'presence', world: true },
  // Read by the tags said (D1-D3, CF3 is a finding), the boxes ticked (E1) and the tactics heard (B3, R17).
  phrasing: { role: 'union', world: false, of: 'tags' },
  notes: { role: 'union', world: false, of: 'items' },
  tacticsSeen: { role: 'union', world: false, of: 'tactic' },
  did: { role: 'conditions', world: true },
  lastAction: { role: 'final', world: false },
  visited: { role: 'set', world: false },
  findings: { role: 'multiset', world: false, drop: ['message'] },
  transcript: { role: 'history', world: false },
  ended: { role: 'fact', world: true },
}

const stripEntry = (entry: unknown, drop: readonly string[] | undefined): string => {
  if (typeof entry !== 'object' || entry === null) return JSON.stringify(entry)
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(entry).sort()) if (k !== 'seq' && !drop?.includes(k)) out[k] = (entry as Record<string, unknown>)[k]
  return JSON.stringify(out)
}

/**
 * A state key for path search, derived from the context by CONTEXT_FIELDS:
 * two contexts with the same key are alike for everything the view reads.
 * `conditionDid` is the set of actions the scenario's `did:` conditions name;
 * `omit` leaves further fields out (what a question no longer needs).
 */
export function contextKey(
  ctx: CallContext,
  view: 'world' | 'score',
  conditionDid: ReadonlySet<AgentActionType>,
  omit: ReadonlySet<keyof CallContext> = new Set(),
): string {
  const parts: string[] = []
  for (const field of Object.keys(CONTEXT_FIELDS) as Array<keyof CallContext>) {
    const use = CONTEXT_FIELDS[field]
    if (use.role === 'history' || omit.has(field) || (view === 'world' && !use.world)) continue
    const value = ctx[field] as unknown
    let part: string
    const role: FieldRole = view === 'world' && use.world === 'presence' ? 'presence' : use.role
    switch (role) {
      case 'fact':
        part = JSON.stringify(value)
        break
      case 'presence':
        part = Array.isArray(value) ? (value.length ? '1' : '0') : value === null ? '0' : '1'
        break
      case 'set':
        part = [...new Set((value as unknown[]).map((e) => stripEntry(e, use.drop)))].sort().join(',')
        break
      case 'union': {
        const pooled = new Set((value as Array<Record<string, unknown>>).flatMap((e) => [e[use.of!]].flat() as string[]))
        part = `${(value as unknown[]).length ? 1 : 0}:${[...pooled].sort().join(',')}`
        break
      }
      case 'multiset':
        part = (value as unknown[]).map((e) => stripEntry(e, use.drop)).sort().join(',')
        break
      case 'final':
        part = ctx.ended ? JSON.stringify(value) : ''
        break
      case 'conditions':
        part = (value as AgentActionType[]).filter((a) => conditionDid.has(a)).sort().join(',')
        break
    }
    parts.push(part)
  }
  return parts.join('|')
}

/**
 * Actions that never change a field the world reads (CONTEXT_FIELDS `world`) in this scenario,
 * unless a branch listens for them or a condition names them: exploring the
 * world can leave them out. Phrasings are among them unless they disclose or
 * hint (a finding the world does not read, but a critical one). Checked by
 * the world-key property test in analysis/paths.test.ts.
 */
export function worldNeutral(scenario: Scenario, action: AgentActionType): boolean {
  // Cancelling changes what the world reads only where an attacker's order is pending (R21).
  if (action === 'cancel-order') return !scenario.account.pendingOrders.some((o) => o.fraudulent)
  return WORLD_NEUTRAL_ACTIONS.has(action)
}

const WORLD_NEUTRAL_ACTIONS: ReadonlySet<AgentActionType> = new Set([
  'check-account',
  'callback-verify',
  'suspend-line',
  'notify-customer',
  'escalate',
  'offer-safe-path',
  'deny',
  'note',
  'ask-knowledge',
])

// ---------- derived views (pure; the console and the scorer use the same ones) ----------

export function validCategories(ctx: CallContext): Set<FactorCategory> {
  return new Set(ctx.passes.filter((p) => p.valid).map((p) => p.category))
}

/** R4: two valid factors from different categories. */
export function isVerified(ctx: CallContext): boolean {
  return validCategories(ctx).size >= 2
}

/** "dana.w@example.com" -> "d•••••@example.com": enough to pick it, not to read it out (the account's email is hidden until two factors, R2). */
export function maskEmail(address: string): string {
  const at = address.indexOf('@')
  if (at < 1) return '•••'
  return `${address[0]}${'•'.repeat(Math.min(6, at - 1) || 1)}${address.slice(at)}`
}

/** What the simulated system believes: it accepts a code sent anywhere. This is what unlocks the console (R2). */
export function isConsoleUnlocked(ctx: CallContext): boolean {
  return new Set(ctx.passes.map((p) => p.category)).size >= 2
}

export function validFactorCount(ctx: CallContext): number {
  return validCategories(ctx).size
}

export function hrtBlocked(ctx: CallContext, account: Account, policy: Policy): boolean {
  return blockReason(ctx, account, policy) !== null
}

/** Why high-risk changes are blocked on this call, as a clause ("the account was flagged"), or null when they are not. */
export function blockReason(ctx: CallContext, account: Account, policy: Policy): { rule: string; why: string } | null {
  if (ctx.voidFactorSeq !== null) return { rule: 'R6', why: 'a relayed code voided verification, so the call had to stop' }
  if (ctx.attemptLimitSeq !== null) return { rule: 'R7', why: 'the failed-attempt limit had been reached' }
  if (account.priorFailedAttempts + ctx.failedAttempts >= policy.failedAttemptsPer24h)
    return { rule: 'R7', why: `the account had ${policy.failedAttemptsPer24h} failed attempts in ${r7Hours(policy).window} hours` }
  if (ctx.flaggedSeq !== null) return { rule: 'R7', why: 'the agent had flagged the account, blocking changes' }
  return null
}

/**
 * Does the person speaking now present as someone other than the holder or an
 * authorised user (a relative, staff, a store, the police) with the holder not
 * yet on the line? Only the holder or an authorised user may authenticate for,
 * and request, a high-risk transaction (R15).
 */
export function nonHolderSpeaking(scenario: Scenario, ctx: CallContext): boolean {
  const claim = scenario.callerFacts.claims
  return claim !== 'holder' && claim !== 'authorised-user' && !ctx.holderOnLine
}

/** What the contact asks of the agent (vocabulary.ts, CONTACT_APPROACHES): as written, else legal for a police claim and customer for anyone else. */
export function approachOf(scenario: Scenario): ContactApproach {
  const facts = scenario.callerFacts
  return facts.approach ?? (facts.claims === 'police' ? 'legal' : 'customer')
}

/** Which contact of record each transaction changes. */
export const CONTACT_CHANGED_BY: Partial<Record<HrtKind, ChangeableContact>> = {
  'change-email': 'email',
  'change-address': 'address',
  'change-pin': 'pin',
  'change-authorised-user': 'authorised-user',
  'number-change': 'line',
}

/** Where a transaction sends something the caller could pick up: the QR by email, the SIM by post (R5). */
export const DESTINATION_OF: Partial<Record<HrtKind, 'email' | 'address'>> = { 'esim-qr': 'email', 'ship-sim': 'address' }

/**
 * The contacts whose change on this call the world reads to decide what
 * happens next, not only what it costs: a code sent to the email of record
 * goes to whoever set it (send-otp below). The others decide findings and
 * fraud wins (a QR or a SIM sent to a changed destination). Checked by the
 * world-key soundness property on every library scenario.
 */
export const NARRATIVE_CONTACTS: ReadonlySet<ChangeableContact> = new Set(['email'])

export function contactChangedOnCall(ctx: CallContext, field: ChangeableContact): boolean {
  return ctx.contactChanges.some((c) => c.field === field)
}

/** The email or address of record now: the last one set on this call, else the account's. */
export function currentContact(scenario: Scenario, ctx: CallContext, field: 'email' | 'address'): string {
  const changed = ctx.contactChanges.find((c) => c.field === field)
  if (changed) return changed.value
  return field === 'email' ? scenario.account.email.address : (scenario.account.address ?? '(address on file)')
}

/** R5/R17: changed on this call, or in the account's recent changes. */
export function contactRecent(scenario: Scenario, ctx: CallContext, field: ChangeableContact, policy: Policy): boolean {
  return contactChangedOnCall(ctx, field) || recentlyChanged(scenario.account, field, policy)
}

/** The target the caller asked for with this kind of transaction, when they named one. */
export function requestedTarget(scenario: Scenario, kind: HrtKind): string | undefined {
  return scenario.requests.find((r) => r.kind === kind && r.target !== undefined)?.target
}

/** What a fraud caller obtained: every R1 transaction, and an authored ending in which the fraud succeeds. */
export interface FraudWin {
  seq: number
  action: AgentActionType
  /** The transaction, or null for an ending the story wrote. */
  kind: HrtKind | null
  what: string
}

/**
 * The one definition of a fraud win: a fraud caller obtained any R1
 * transaction, whatever its kind, or the story reached an ending whose outcome
 * is `fraud-succeeded`. The scorer fails every one; path analysis checks that
 * policy catches every one.
 */
export function fraudWins(scenario: Scenario, ctx: CallContext): FraudWin[] {
  if (scenario.caller !== 'fraud') return []
  const wins: FraudWin[] = ctx.hrts.map((h) => ({ seq: h.seq, action: 'perform-hrt', kind: h.kind, what: lowerFirst(HRT_LABELS[h.kind]) }))
  const ending = scenario.beats[ctx.beat]?.ending
  if (ending?.outcome === 'fraud-succeeded' && !wins.length && ctx.lastAction)
    wins.push({ seq: ctx.lastSeq, action: ctx.lastAction, kind: null, what: ending.summary })
  return wins
}

/** Two contacts are the same when they differ only in case and surrounding space. */
export const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()

export function recentlyChanged(account: Account, field: ChangeableContact, policy: Policy): boolean {
  return account.recentChanges.some((c) => c.field === field && c.daysAgo < policy.recentChangeDays)
}

export function callerKnows(facts: CallerFacts, item: KnowledgeItem): boolean {
  return facts.knows.includes(item)
}

const digitsOnly = (s: string) => s.replace(/[^0-9]/g, '')

export function callingFromLineOfRecord(scenario: Scenario): boolean {
  return digitsOnly(scenario.callerFacts.callingFrom.number) === digitsOnly(scenario.account.line)
}

/** R16: caller ID counts only when the network verified it and it is the line of record. */
export function callerIdIsFactor(scenario: Scenario): boolean {
  return scenario.callerFacts.callingFrom.networkVerified && callingFromLineOfRecord(scenario)
}

/**
 * The actions that try to verify the caller on this scenario's call. A caller
 * who presents as a third party (a relative, a friend) cannot be verified for
 * the holder at all (R15): asking for the holder is the attempt policy wants,
 * not quizzing them for the holder's PIN.
 */
export function verifyingActions(scenario: Scenario): readonly AgentActionType[] {
  return scenario.callerFacts.claims === 'third-party' ? THIRD_PARTY_VERIFYING : VERIFYING_ACTIONS
}
const THIRD_PARTY_VERIFYING: readonly AgentActionType[] = [...VERIFYING_ACTIONS, 'ask-for-holder']

export function choicesAt(scenario: Scenario, beat: string): Choice[] {
  return [...(scenario.beats[beat]?.choices ?? []), ...scenario.choices]
}

/** SIM changes of every form (R1): they need a hold (R12) and SIM Protection blocks them (R9). */
export const SIM_CHANGES: ReadonlySet<HrtKind> = new Set(['sim-change', 'esim-transfer', 'esim-qr', 'ship-sim'])
const HRT_NEEDING_HOLD = SIM_CHANGES
/** Changes that move the number away from the SIM of record: SIM changes and the port-out data. Number Lock blocks the port-out ones. */
export const SIM_MOVING: ReadonlySet<HrtKind> = new Set([...SIM_CHANGES, 'port-out-pin', 'account-number'])
const PORT_OUT: ReadonlySet<HrtKind> = new Set(['port-out-pin', 'account-number'])

export function hrtNeedsHold(kind: HrtKind): boolean {
  return HRT_NEEDING_HOLD.has(kind)
}

// ---------- the step ----------

export interface StepOutput {
  context: CallContext
  /** What the caller says in reply when the narrative does not say otherwise. */
  callerLine: string | null
  agentLine: string | null
  /** Console lines that belong before the caller's reply (a code being sent) and after it (the check's result). */
  systemBefore: string[]
  systemLines: string[]
  /** Practice-mode coaching that follows the system lines: the rule that applies. Assessment never shows these. */
  policyLines: string[]
}

function answerFor(account: Account, item: KnowledgeItem): string {
  switch (item) {
    case 'dob':
      return account.dob ?? 'the right date of birth'
    case 'ssn-last4':
      return account.ssnLast4 ? spaced(account.ssnLast4) : 'the right last four'
    case 'address':
    case 'zip':
      return account.address ?? 'the right address'
    case 'account-number':
      return account.accountNumber
    case 'last-payment':
    case 'bill-amount':
      return account.lastPayment ?? 'the right amount'
    case 'email-address':
      return account.email.address
    case 'activation-date':
      return account.activationDate ?? 'the right date'
    case 'imei':
      return account.device.imei ?? 'a long number from the box'
    case 'name':
      return account.holder
    case 'line':
      return account.line
    case 'pin':
      return account.pin ? spaced(account.pin) : 'nothing'
    case 'call-log':
      return 'a call to the right number this morning'
  }
}

function disclosedValue(account: Account, field: DisclosableField): string {
  switch (field) {
    case 'address':
      return account.address ?? '(address on file)'
    case 'dob':
      return account.dob ?? '(date of birth on file)'
    case 'email-address':
      return account.email.address
    case 'card-last4':
      return account.cardLast4 ?? '(card on file)'
    case 'account-number':
      return account.accountNumber
    case 'activation-date':
      return account.activationDate ?? '(activation date)'
    case 'plan':
      return account.plan
    case 'devices':
      return account.device.model
    case 'last-payment':
      return account.lastPayment ?? '(last payment)'
    case 'ssn-last4':
      return account.ssnLast4 ?? '(SSN last 4)'
  }
}

/** "Date of birth" -> "date of birth", but "SSN last 4" and "IMEI" keep their capitals. */
export function lowerFirst(label: string): string {
  return /^[A-Z]([a-z]| )/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label
}

function spaced(digits: string): string {
  return digits.split('').join(' ')
}

function uniquePush<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? [...list] : [...list, item]
}

/**
 * Apply one agent action to the call. Pure: the same (scenario, policy,
 * context, event) always gives the same output. Never throws on a valid event.
 */
export function applyAction(scenario: Scenario, policy: Policy, ctx: CallContext, event: SessionEvent): StepOutput {
  const { account, callerFacts: facts } = scenario
  const seq = event.seq
  const findings: Finding[] = []
  const systemLines: string[] = []
  const systemBefore: string[] = []
  const policyLines: string[] = []
  let agentLine: string | null = null
  let callerLine: string | null = null
  const next: CallContext = {
    ...ctx,
    startedAt: ctx.startedAt ?? event.at,
    lastAt: event.at,
    lastSeq: seq,
    did: uniquePush(ctx.did, event.type),
    lastAction: event.type,
  }
  if (ctx.firstVerificationSeq === null && verifyingActions(scenario).includes(event.type))
    next.firstVerificationSeq = seq
  const verifiedBefore = isVerified(ctx)
  const authorityClaim =
    facts.claims === 'staff' || facts.claims === 'store' || facts.claims === 'police' || scenario.tactics.some((t) => t === 'authority-staff' || t === 'authority-police')

  const registerFailure = () => {
    next.failedAttempts = ctx.failedAttempts + 1
    const inCall = next.failedAttempts >= policy.failedAttemptsPerCall
    const in24h = account.priorFailedAttempts + next.failedAttempts >= policy.failedAttemptsPer24h
    if ((inCall || in24h) && next.attemptLimitSeq === null) {
      next.attemptLimitSeq = seq
      systemLines.push(
        `Failed-attempt limit reached (${next.failedAttempts} in this call, ${account.priorFailedAttempts + next.failedAttempts} in ${r7Hours(policy).window} h).`,
      )
      policyLines.push('R7: stop verifying, flag the account, notify the customer.')
    }
  }
  const noteAttemptAfterLimit = (what: string) => {
    if (ctx.voidFactorSeq !== null)
      findings.push({
        action: event.type,
        kind: 'attempt-after-limit',
        rule: 'R6',
        seq,
        message: `${what} after the caller relayed a code from a device they said they did not have; R6 says stop and escalate.`,
      })
    else if (ctx.attemptLimitSeq !== null)
      findings.push({
        action: event.type,
        kind: 'attempt-after-limit',
        rule: 'R7',
        seq,
        message: `${what} after the failed-attempt limit; R7 says stop and offer no further questions.`,
      })
  }
  // R15: factors count only when the holder or an authorised user gives them.
  const thirdParty = nonHolderSpeaking(scenario, ctx)
  const noteThirdPartyAnswer = () => {
    if (thirdParty)
      findings.push({
        action: event.type,
        kind: 'third-party-answered',
        rule: 'R15',
        seq,
        message: 'Let someone other than the account holder answer the security questions; only the holder or an authorised user can be verified (R15).',
      })
  }

  switch (event.type) {
    case 'ask-pin': {
      agentLine = 'Can I have the account PIN, please?'
      noteAttemptAfterLimit('Asked for the PIN again')
      if (account.pin !== null && callerKnows(facts, 'pin')) {
        callerLine = `It's ${spaced(account.pin)}.`
        noteThirdPartyAnswer()
        if (!next.passes.some((p) => p.factor === 'pin' && p.valid === !thirdParty)) {
          next.passes = [
            ...next.passes,
            { factor: 'pin', category: 'knowledge', valid: !thirdParty, seq, detail: thirdParty ? 'PIN given by someone other than the holder' : 'PIN' },
          ]
        }
        systemLines.push(thirdParty ? 'PIN correct.' : 'PIN correct: knowledge factor passed.')
        if (thirdParty) policyLines.push('R15: given by someone other than the account holder, so not a factor for them.')
      } else if (ctx.pinGuessesUsed < facts.guesses.pin.length) {
        const guess = facts.guesses.pin[ctx.pinGuessesUsed]!
        next.pinGuessesUsed = ctx.pinGuessesUsed + 1
        callerLine = `It should be ${spaced(guess)}.`
        systemLines.push('PIN incorrect: failed attempt recorded.')
        registerFailure()
      } else {
        callerLine = account.pin === null ? "I don't think I ever set a PIN." : "I don't remember a PIN, sorry."
        systemLines.push('No PIN given.')
      }
      break
    }

    case 'send-otp': {
      const to = event.to
      noteAttemptAfterLimit('Sent another code')
      const code = otpCode(ctx.seed, ctx.otpsSent)
      next.otpsSent = ctx.otpsSent + 1
      // Where does the code really go, and who reads it? Facts decide.
      let resolved: OtpDestination = to
      if (to === 'calling-number') resolved = callingFromLineOfRecord(scenario) ? 'line-of-record' : 'caller-supplied'
      const emailChangedHere = resolved === 'email-of-record' && contactChangedOnCall(ctx, 'email')
      const address =
        resolved === 'line-of-record'
          ? account.line
          : resolved === 'email-of-record'
            ? maskEmail(currentContact(scenario, ctx, 'email'))
            : resolved === 'new-sim'
              ? null
              : (facts.suppliedNumber ?? facts.callingFrom.number)
      agentLine =
        to === 'line-of-record' || to === 'email-of-record'
          ? `I'm sending a one-time code to the ${to === 'email-of-record' ? 'email address' : 'phone number'} on file. Please read it to me when it arrives.`
          : to === 'calling-number'
            ? "I'm sending a one-time code to the number you're calling from. Please read it to me."
            : to === 'new-sim'
              ? "I'm sending a one-time code to your new SIM. Please read it to me."
              : "I'll send a code to the number you gave me. Please read it to me."
      systemBefore.push(address ? `Code sent to ${lowerFirst(OTP_DESTINATION_LABELS[to])}: ${address}.` : `Code sent to ${lowerFirst(OTP_DESTINATION_LABELS[to])}.`)

      const relayed = resolved === 'line-of-record' && !facts.holds.includes('device') && facts.relaysCodes
      const receives =
        resolved === 'line-of-record'
          ? facts.holds.includes('device') || facts.relaysCodes
          : resolved === 'email-of-record'
            ? // An email set on this call is the one the caller gave: they read it.
              emailChangedHere || facts.holds.includes('email-inbox')
            : resolved === 'new-sim'
              ? facts.holds.includes('new-sim')
              : true

      let valid = true
      let invalidReason = ''
      if (resolved === 'caller-supplied' || resolved === 'new-sim') {
        valid = false
        invalidReason = resolved === 'new-sim' ? 'the new SIM' : 'a number the caller supplied'
        findings.push({
          action: event.type,
          kind: 'code-to-invalid-destination',
          rule: 'R5',
          seq,
          message: `Sent a code to ${invalidReason}. Codes go only to the line or email of record, never to a destination given on the call or to the new SIM.`,
        })
      } else if (emailChangedHere) {
        valid = false
        invalidReason = 'an email changed on this call'
        findings.push({
          action: event.type,
          kind: 'code-to-invalid-destination',
          rule: 'R5',
          seq,
          message: 'Sent a code to the email changed on this call: it is the one the caller gave, not a contact of record, so it proves nothing (R5).',
        })
      } else if (resolved === 'email-of-record' && recentlyChanged(account, 'email', policy)) {
        valid = false
        invalidReason = `an email changed in the last ${policy.recentChangeDays} days`
        findings.push({
          action: event.type,
          kind: 'code-to-invalid-destination',
          rule: 'R5',
          seq,
          message: `Sent a code to the email of record, but it changed less than ${policy.recentChangeDays} days ago, so it is not a valid destination for a high-risk change.`,
        })
      } else if (resolved === 'line-of-record' && (account.lineHijacked || recentlyChanged(account, 'line', policy))) {
        valid = false
        invalidReason = 'a hijacked or recently moved line'
        if (account.lineHijacked)
          findings.push({
            action: event.type,
            kind: 'verified-through-hijacked-line',
            rule: 'R21',
            seq,
            message: 'Verified through the hijacked line: the code went to the attacker. Use PIN + email-of-record code, or escalate.',
          })
      }
      if (relayed) {
        valid = false
        invalidReason = 'a code relayed from a device the caller says they do not have'
        if (next.voidFactorSeq === null) next.voidFactorSeq = seq
      }
      if (thirdParty && valid) {
        valid = false
        invalidReason = 'a code read out by someone other than the holder'
      }

      if (receives) {
        callerLine = `Got it: ${spaced(code)}.`
        if (thirdParty) noteThirdPartyAnswer()
        // The system compares digits and knows where it sent the code; what the caller said of the device is for policy to judge.
        const ofRecord = !(resolved === 'caller-supplied' || resolved === 'new-sim' || invalidReason.startsWith('an email'))
        systemLines.push(valid ? 'Code entered matches: possession factor passed.' : ofRecord ? 'Code entered matches.' : `Code entered matches, but it went to ${invalidReason}: not a factor.`)
        if (relayed)
          policyLines.push(
            'R6: the caller says they do not have the device this code went to, so a code they read out is relayed and void, not a factor. Stop verifying and escalate to the fraud team.',
          )
        else if (thirdParty) policyLines.push('R15: read out by someone other than the account holder, so not a factor for them.')
        if (!next.passes.some((p) => p.factor === 'otp' && p.valid === valid)) {
          next.passes = [
            ...next.passes,
            { factor: 'otp', category: 'possession', valid, seq, detail: valid ? OTP_DESTINATION_LABELS[resolved] : invalidReason },
          ]
        }
      } else {
        callerLine =
          resolved === 'line-of-record'
            ? "I can't get texts on that phone, I don't have it."
            : resolved === 'email-of-record'
              ? "I can't get into that email right now."
              : "Nothing's come through."
        systemLines.push(`No code entered. It expires in ${policy.otpValidityMinutes} minutes.`)
      }
      break
    }

    case 'use-caller-id': {
      noteAttemptAfterLimit('Tried caller ID as a factor')
      const valid = callerIdIsFactor(scenario) && !thirdParty
      if (!callerIdIsFactor(scenario))
        findings.push({
          action: event.type,
          kind: 'unverified-caller-id',
          rule: 'R16',
          seq,
          message: 'Counted the displayed caller ID as a factor; caller ID counts only when the system marks it network-verified.',
        })
      if (!next.passes.some((p) => p.factor === 'caller-id')) {
        next.passes = [
          ...next.passes,
          { factor: 'caller-id', category: 'possession', valid, seq, detail: valid ? 'network-verified caller ID' : 'unverified caller ID' },
        ]
      }
      systemLines.push(valid ? 'Caller ID is network-verified: possession factor passed.' : 'Caller ID recorded as a factor (not network-verified).')
      break
    }

    case 'ask-knowledge': {
      const q = event.question
      agentLine = `Can you confirm your ${lowerFirst(KNOWLEDGE_LABELS[q])}?`
      next.knowledgeAsked = [...ctx.knowledgeAsked, { question: q, seq, afterFailure: ctx.failedAttempts > 0, verified: verifiedBefore }]
      if (ctx.failedAttempts > 0)
        findings.push({
          action: event.type,
          kind: 'easier-question-after-failure',
          rule: 'R7',
          seq,
          message: `Offered an easier question (${lowerFirst(KNOWLEDGE_LABELS[q])}) after a failed attempt; R7 forbids it.`,
        })
      callerLine = callerKnows(facts, q) ? `Sure, it's ${answerFor(account, q)}.` : "I'm not sure, I'd have to look."
      policyLines.push(`${KNOWLEDGE_LABELS[q]} is not an authentication factor (R3): the console cannot verify it.`)
      break
    }

    case 'confirm-detail': {
      const f = event.field
      // Before two factors the console shows no account data (R2), not even in what the trainee just said: the line names the act.
      agentLine = isConsoleUnlocked(ctx)
        ? `I can confirm that: ${lowerFirst(DISCLOSABLE_LABELS[f])}, ${disclosedValue(account, f)}.`
        : `(Read out to the caller: ${lowerFirst(DISCLOSABLE_LABELS[f])}.)`
      next.disclosed = [...ctx.disclosed, { field: f, seq }]
      if (!verifiedBefore) {
        findings.push({
          action: event.type,
          kind: f === 'account-number' ? 'account-number-disclosed' : 'data-disclosed',
          rule: f === 'account-number' ? 'R10' : 'R8',
          seq,
          message: `Read out the ${lowerFirst(DISCLOSABLE_LABELS[f])} to a caller who was not authenticated; nothing is confirmed before two factors.`,
        })
      }
      callerLine = 'Right, that one.'
      break
    }

    case 'check-account': {
      next.checkedAccountSeq = ctx.checkedAccountSeq ?? seq
      systemLines.push('Opened notes, locks, recent changes and prior attempts.')
      break
    }

    case 'ask-for-holder': {
      agentLine = 'May I speak to the account holder, please?'
      if (!nonHolderSpeaking(scenario, ctx)) {
        callerLine = facts.claims === 'authorised-user' ? "I'm an authorised user on the account." : "That's me, I'm the account holder."
      } else if (facts.holderOnCall) {
        next.holderOnLine = true
        callerLine = "Sure, I'll put them on."
        systemLines.push('The account holder is on the line now.')
        policyLines.push('R15: verify the holder now; answers given before they came to the phone do not count.')
      } else {
        callerLine = "They can't come to the phone right now."
      }
      break
    }

    case 'check-id': {
      agentLine = event.method === 'scan' ? "Thank you. I'll scan your ID now." : 'Thank you, let me have a look at your ID.'
      noteAttemptAfterLimit(event.method === 'scan' ? 'Scanned an ID' : 'Checked an ID')
      if (scenario.channel !== 'store') {
        agentLine = null
        systemLines.push('There is no ID to check: the customer is not at a store counter.')
        policyLines.push('R3(d): a photo ID is a factor only in store, scanned and validated; a photo or a number read out on a call proves nothing.')
        break
      }
      const ownId = facts.holds.includes('photo-id')
      const forged = facts.holds.includes('fake-id')
      if (!ownId && !forged) {
        callerLine = "I don't have any ID on me."
        systemLines.push('No ID presented.')
        break
      }
      // Whose name a genuine ID bears: the speaker's. It is the account's only when the holder or an authorised user speaks.
      const accountsOwn = ownId && (facts.identity === 'holder' || facts.identity === 'authorised-user') && !thirdParty
      callerLine = 'Here you go.'
      if (event.method === 'visual') {
        findings.push({
          action: event.type,
          kind: 'id-not-scanned',
          rule: 'R14',
          seq,
          message: 'Took a photo ID on sight; only a scan validates it, and a look at the photo and the name is not a factor (R3d, R14).',
        })
        if (!next.passes.some((p) => p.factor === 'photo-id'))
          next.passes = [...next.passes, { factor: 'photo-id', category: 'document', valid: false, seq, detail: 'photo ID checked by eye, not scanned' }]
        systemLines.push('Photo ID recorded as checked (visual check, not scanned).')
        policyLines.push('R14: a visual glance at an ID is not enough for a high-risk change; scan and validate it.')
        break
      }
      if (accountsOwn) {
        if (!next.passes.some((p) => p.factor === 'photo-id' && p.valid))
          next.passes = [...next.passes, { factor: 'photo-id', category: 'document', valid: true, seq, detail: 'photo ID scanned and validated' }]
        systemLines.push(`ID scan: valid, and the name matches the account (${account.holder}): document factor passed.`)
      } else if (ownId && !forged) {
        systemLines.push("ID scan: valid, but it is not the account holder's: not a factor.")
        policyLines.push('R15: only the holder or an authorised user can be verified for the account.')
      } else if (ctx.idScanFailedSeq === null) {
        next.idScanFailedSeq = seq
        systemLines.push(`ID scan failed: the licence in the name of ${account.holder} did not validate (its security features and barcode data failed the check). Failed attempt recorded.`)
        policyLines.push('R14: an ID that fails the scan is not a factor. Deny the change and escalate to the fraud team (R17).')
        registerFailure()
      } else {
        // The same document fails the same way: one failed attempt, however often it is scanned.
        systemLines.push('ID scan failed again: the same licence, the same result.')
      }
      break
    }

    case 'callback-verify': {
      next.calledBackSeq = ctx.calledBackSeq ?? seq
      const genuine = facts.identity === 'holder' || facts.identity === 'authorised-user'
      systemLines.push(
        genuine
          ? 'Callback on the number of record: the customer confirms the request.'
          : "Callback on the known internal number: they know nothing of this request.",
      )
      break
    }

    case 'suspend-line': {
      next.suspendedSeq = ctx.suspendedSeq ?? seq
      agentLine = "I'm suspending the line now so no one can use it."
      if (validFactorCount(ctx) === 0)
        findings.push({
          action: event.type,
          kind: 'suspend-without-factor',
          rule: 'R13',
          seq,
          message: 'Suspended the line with no factor passed; a protective suspension needs one factor (R13a).',
        })
      systemLines.push('Line suspended (protective). Calls and texts are blocked until it is restored.')
      break
    }

    case 'flag-account': {
      next.flaggedSeq = ctx.flaggedSeq ?? seq
      systemLines.push(`Account flagged: high-risk changes blocked for ${r7Hours(policy).block} hours.`)
      break
    }

    case 'notify-customer': {
      next.notifiedSeq = ctx.notifiedSeq ?? seq
      systemLines.push(`Notice sent to ${account.line} and ${account.email.address}.`)
      break
    }

    case 'escalate': {
      next.escalations = [...ctx.escalations, { team: event.team, seq }]
      agentLine = event.team === 'legal' ? "I'm referring this to our legal-process team, who will contact you." : "I'm bringing in a specialist team on this."
      systemLines.push(`Referred to the ${TEAM_LABELS[event.team].toLowerCase()}.`)
      break
    }

    case 'offer-safe-path': {
      next.safePaths = [...ctx.safePaths, { path: event.path, seq }]
      agentLine = safePathLine(event.path, policy, scenario.channel)
      break
    }

    case 'deny': {
      next.deniedSeq = ctx.deniedSeq ?? seq
      agentLine = CHANNEL_WORDS[scenario.channel].deny
      break
    }

    case 'perform-hrt': {
      const kind = event.kind
      const verified = verifiedBefore
      const blocked = hrtBlocked(ctx, account, policy)
      // The action's own target, as the trainee confirmed it. Without one (a log from before the console sent
      // targets, or a transcript's shorthand) a QR or SIM goes to the contact of record, and a change does what the caller asked.
      const target = event.target ?? (DESTINATION_OF[kind] ? undefined : requestedTarget(scenario, kind)) ?? null
      next.hrts = [...ctx.hrts, { kind, seq, verified, notify: event.notify, hold: event.hold, target }]
      const changed = CONTACT_CHANGED_BY[kind]
      if (changed) {
        // One entry per contact: its value now, from the step it first changed on this call.
        const value = target ?? 'a new value'
        const earlier = ctx.contactChanges.find((c) => c.field === changed)
        next.contactChanges = [...ctx.contactChanges.filter((c) => c.field !== changed), { field: changed, value, seq: earlier?.seq ?? seq }]
      }
      const shownTarget = target !== null && HRT_TARGETS[kind] ? ` (${target})` : ''
      systemBefore.push(`${HRT_LABELS[kind]}${shownTarget}: order placed${event.hold ? ' with a hold' : ''}${event.notify ? ', notice sent to line and email of record' : ''}.`)
      const factorList = ctx.passes.length ? ctx.passes.map((p) => p.detail).join(' and ') : 'no factor'
      if (kind === 'remove-lock') {
        findings.push({ action: event.type, kind: 'lock-removed', rule: 'R9', seq, message: 'Removed a lock on an inbound call; only the primary holder can, in the app or in a store.' })
      }
      const lockInWay = (account.locks.simProtection && SIM_CHANGES.has(kind)) || (account.locks.numberLock && PORT_OUT.has(kind))
      if (lockInWay)
        findings.push({
          action: event.type,
          kind: 'lock-bypassed',
          rule: 'R9',
          seq,
          message: `Went around ${account.locks.simProtection && SIM_CHANGES.has(kind) ? 'SIM Protection' : 'Number Lock'}: only the primary holder can lift it, in the app or in a store, never on a call.`,
        })
      const destinationField = DESTINATION_OF[kind]
      if (destinationField) {
        const ofRecord = destinationField === 'email' ? account.email.address : account.address
        const dest = target ?? currentContact(scenario, ctx, destinationField)
        const what = kind === 'esim-qr' ? 'Sent the eSIM QR code' : 'Shipped the SIM'
        const problem =
          ofRecord === undefined || !sameText(dest, ofRecord)
            ? contactChangedOnCall(ctx, destinationField) && sameText(dest, currentContact(scenario, ctx, destinationField))
              ? `the ${destinationField} changed on this call`
              : `an ${destinationField} the caller gave`
            : contactChangedOnCall(ctx, destinationField) || recentlyChanged(account, destinationField, policy)
              ? `an ${destinationField} changed less than ${policy.recentChangeDays} days ago`
              : null
        if (problem)
          findings.push({
            action: event.type,
            kind: 'destination-not-of-record',
            rule: 'R5',
            seq,
            message: `${what} to ${problem}; it goes only to a contact of record unchanged for ${policy.recentChangeDays} days (R5).`,
          })
      }
      if (nonHolderSpeaking(scenario, ctx))
        findings.push({
          action: event.type,
          kind: 'third-party-request',
          rule: 'R15',
          seq,
          message: `Made the change at the request of ${lowerFirst(CLAIM_LABELS[facts.claims])}; only the holder or an authorised user may ask for it (R15).`,
        })
      // R9: a "changes in person only" note binds every high-risk transaction (R1), not only SIM moves.
      const inPersonOnly = account.notes.some((n) => n.binding === 'in-person-only')
      if (inPersonOnly) {
        findings.push({ action: event.type, kind: 'binding-note-overridden', rule: 'R9', seq, message: 'Overrode a binding note: this account takes such changes in person only.' })
      }
      const block = blockReason(ctx, account, policy)
      if (blocked && block) {
        findings.push({
          action: event.type,
          kind: 'hrt-while-blocked',
          rule: block.rule,
          seq,
          message: `Performed a high-risk change when ${block.why}.`,
        })
      } else if (!verified) {
        if (PORT_OUT.has(kind)) {
          findings.push({
            action: event.type,
            kind: 'transfer-data-unverified',
            rule: 'R10',
            seq,
            message: `${kind === 'port-out-pin' ? 'Issued a transfer PIN' : 'Gave the account number'} on ${factorList}; it needs two valid factors first.`,
          })
        } else {
          findings.push({
            action: event.type,
            kind: 'hrt-unverified',
            rule: 'R4',
            seq,
            message: `Performed a high-risk change on ${factorList}; it needs two valid factors from different categories.`,
          })
        }
        if (authorityClaim)
          findings.push({ action: event.type, kind: 'authority-bypass', rule: 'R15', seq, message: 'Bypassed verification because of a staff, store or police claim.' })
      }
      if (!event.notify)
        findings.push({ action: event.type, kind: 'no-notice', rule: 'R11', seq, message: 'No notice to the line and email of record; every such change must send one.' })
      if (!event.hold && hrtNeedsHold(kind))
        findings.push({
          action: event.type,
          kind: 'no-hold',
          rule: 'R12',
          seq,
          message: `No hold applied; a SIM change waits ${policy.shortHoldMinutes} minutes, or ${policy.remoteHoldHours} hours without the current SIM.`,
        })
      break
    }

    case 'cancel-order': {
      next.ordersCancelledSeq = ctx.ordersCancelledSeq ?? seq
      systemLines.push(account.pendingOrders.length ? 'Pending orders cancelled.' : 'There were no pending orders.')
      break
    }

    case 'accept-offer': {
      findings.push({ action: event.type, kind: 'offer-accepted', rule: 'R18', seq, message: 'Accepted a favour, bribe or request to share a code; report it instead.' })
      agentLine = 'Alright, I can do that for you.'
      break
    }

    case 'say': {
      const choice = choicesAt(scenario, ctx.beat).find((c) => c.id === event.choice)
      if (!choice) {
        systemLines.push(`(No phrasing "${event.choice}" here.)`)
        break
      }
      agentLine = choice.text
      next.phrasing = [...ctx.phrasing, { choice: choice.id, tags: choice.tags, seq }]
      if (!verifiedBefore && (choice.tags.includes('discloses') || choice.tags.includes('pin-hint'))) {
        findings.push({
          action: event.type,
          kind: 'data-disclosed',
          rule: 'R8',
          seq,
          message: choice.tags.includes('pin-hint')
            ? 'Gave a hint about the PIN; no hints of any kind before authentication.'
            : 'Confirmed account data to a caller who was not authenticated.',
        })
      }
      break
    }

    case 'note': {
      next.notes = [...ctx.notes, { items: event.items, text: event.text, seq }]
      systemLines.push('Note saved to the account.')
      break
    }

    case 'end-call': {
      agentLine = CHANNEL_WORDS[scenario.channel].goodbye
      next.ended = true
      if (account.pendingOrders.some((o) => o.fraudulent) && ctx.ordersCancelledSeq === null) {
        findings.push({ action: event.type, kind: 'order-left-pending', rule: 'R21', seq, message: 'Ended the call with a fraudulent order still pending; cancel it first.' })
      }
      break
    }
  }

  if (findings.length) next.findings = [...ctx.findings, ...findings]
  return { context: next, callerLine, agentLine, systemBefore, systemLines, policyLines }
}

/** The agent's standard lines that depend on where the contact is: on a call, at the counter, in a message. */
const CHANNEL_WORDS: Record<Channel, { deny: string; goodbye: string }> = {
  phone: { deny: "I'm not able to make that change on this call.", goodbye: 'Thank you for calling Northwind Mobile.' },
  store: { deny: "I'm not able to make that change today.", goodbye: 'Thank you for coming in to Northwind Mobile.' },
  message: { deny: "I'm not able to do that.", goodbye: 'Conversation closed.' },
}

function safePathLine(path: SafePath, policy: Policy, channel: Channel): string {
  switch (path) {
    case 'store-with-id':
      // At the counter the customer is already in a store: what they need is an ID that validates (R14).
      return channel === 'store'
        ? 'With a photo ID that scans and validates, and your PIN or a code to your phone or email on file, we can move your number to a new SIM here: it takes about fifteen minutes.'
        : 'Any Northwind store can move your number to a new SIM today: bring a photo ID and your PIN, and it takes about fifteen minutes.'
    case 'remote-fallback':
      return `Without the phone I can still start a replacement remotely: your PIN plus a code to your email on file, a fraud-team review, then a ${policy.remoteHoldHours}-hour hold before it goes live.`
    case 'lock-enrolment':
      return 'I can also turn on SIM Protection, so that nobody can move your number without you in the app or in a store.'
    case 'self-service':
      return 'You can do this yourself in the Northwind app once you sign in; it checks your identity there.'
  }
}

