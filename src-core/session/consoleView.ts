import type { CallSnapshot, CompiledScenario } from '../engine/compile'
import type { Policy } from '../engine/policy'
import { offeredPhrasings } from '../engine/phrasings'
import { realiseScenario } from '../engine/variation'
import { isConsoleUnlocked, maskEmail, recentlyChanged, requestedTarget, type CallContext, type FactorCategory, type FactorKind, type Speaker } from '../engine/world'
import type { Scenario } from '../scenario/schema'
import {
  AGENT_ACTIONS,
  CHANGEABLE_CONTACTS,
  channelOffers,
  DISCLOSABLE_FIELDS,
  DISCLOSABLE_LABELS,
  ESCALATION_TEAMS,
  HRT_KINDS,
  HRT_LABELS,
  HRT_TARGET_LABELS,
  HRT_TARGETS,
  ID_CHECK_LABELS,
  ID_CHECK_METHODS,
  KNOWLEDGE_LABELS,
  KNOWLEDGE_QUESTIONS,
  OTP_DESTINATIONS,
  OTP_DESTINATION_LABELS,
  SAFE_PATHS,
  SAFE_PATH_LABELS,
  TEAM_LABELS,
  type AgentActionType,
  type ChangeableContact,
  type HrtKind,
  type HrtTarget,
  type NoteItem,
} from '../scenario/vocabulary'
import type { Channel } from '../scenario/vocabulary'
import type { SessionEvent } from './events'
import { practiceHint } from './hints'
import { formatAmount } from './wording'

/**
 * The console view: exactly what the trainee may see at one moment of a call,
 * as plain data. Main sends it after every acknowledged action; review replays
 * a log and derives the same view step by step, so a supervisor sees the
 * console as the trainee had it.
 *
 * It is a pure function of the machine's snapshot, the scenario and the mode.
 * What it leaves out is the point: the caller type, the caller's ground truth
 * (who they are, what they know and hold), the red flags, the author's summary,
 * the good path, beat ids and phrasing tags never appear here; the account's
 * details appear only once the system has accepted two factors (R2), its notes
 * and history only once opened; assessment mode drops every coaching line.
 */

/** Practice coaches; an assessment records for review and shows only what the system did. */
export type SessionMode = 'practice' | 'assessment'

/** Tools that need one more choice before they become an action, and the parameter that choice fills. */
export const CHOOSER_PARAMS = {
  'send-otp': 'to',
  'ask-knowledge': 'question',
  'confirm-detail': 'field',
  escalate: 'team',
  'offer-safe-path': 'path',
  'perform-hrt': 'kind',
  'check-id': 'method',
} as const satisfies Partial<Record<AgentActionType, string>>
export type ChooserAction = keyof typeof CHOOSER_PARAMS

export interface ChooserOption {
  id: string
  label: string
  /** A second line: where it goes, what it is. Facts only, never a verdict. */
  detail?: string
  /** A high-risk transaction that has a target: the confirmation's field for it. */
  target?: TargetField
}

/** The high-risk confirmation's field for what the change is to (the new email, where the QR goes...). */
export interface TargetField {
  type: HrtTarget
  label: string
  /** What the caller asked for, to prefill the field; null when they named none. */
  asked: string | null
  /** What an empty field means ("Email of record"); null when the order needs a value. */
  emptyMeans: string | null
}

export interface ConsoleLine {
  seq: number
  speaker: Speaker
  text: string
}

export interface ConsoleChoice {
  id: string
  text: string
}

export type FactorChipState = 'pass' | 'fail' | 'idle'
export interface FactorChip {
  id: 'pin' | 'code' | 'caller-id' | 'photo-id'
  label: string
  state: FactorChipState
  value: string
}

/** A factor the system accepted, as the high-risk confirmation names it: what was done, not whether policy counts it. */
export interface AcceptedFactor {
  factor: FactorKind
  category: FactorCategory
  /** Where a code went ("Line of record"), how an ID was checked ("Scan and validate it"), or null. */
  detail: string | null
  seq: number
}

export interface AccountDetailsView {
  holder: string
  line: string
  accountNumber: string
  plan: string
  email: string
  address: string | null
  device: string
  sim: 'physical' | 'esim'
  imei: string | null
  /** Contacts changed within the policy's window: flagged on screen, as a real console would. */
  recentlyChanged: ChangeableContact[]
}

export interface AccountHistoryView {
  simProtection: boolean
  numberLock: boolean
  priorFailedAttempts: number
  notes: Array<{ binding: string; text: string }>
  recentChanges: Array<{ field: ChangeableContact; daysAgo: number; detail: string | null; recent: boolean }>
  pendingOrders: Array<{ kind: HrtKind; placedHoursAgo: number }>
  /** Warnings on file: recent changes, prior attempts, non-info notes, pending orders. */
  flagCount: number
}

export interface ConsoleView {
  /** Actions acknowledged so far. An intent names the step it was chosen at; main refuses one chosen at another. */
  step: number
  mode: SessionMode
  /** 'over' once the caller hung up or an ending was reached: nothing but ending the call is on offer. */
  status: 'active' | 'over'
  call: {
    title: string
    tier: 1 | 2 | 3
    channel: Channel
    callingFrom: string
    networkVerified: boolean
    /** The IVR's reason for the call, as the caller gave it. */
    reason: string
  }
  transcript: ConsoleLine[]
  /** Phrasings on offer now, in the order their number keys pick them; one already said is no longer offered. */
  choices: ConsoleChoice[]
  /** The action types on offer now. */
  actions: AgentActionType[]
  /** The options of each chooser, in key order. */
  options: Record<ChooserAction, ChooserOption[]>
  account: {
    authenticated: boolean
    claimedName: string
    details: AccountDetailsView | null
    history: AccountHistoryView | null
  }
  verification: {
    chips: FactorChip[]
    accepted: AcceptedFactor[]
    failedAttempts: number
    attemptLimit: number
  }
  notes: Array<{ seq: number; items: NoteItem[]; text: string }>
  /** The policy numbers main scores with (rubric.yaml): the console states them, it never has its own. */
  policy: Policy
  /** Practice mode's next step; null in assessment, always. */
  hint: string | null
}

// Defined with the world, whose system lines mask the email the same way; imported from here by the console's users.
export { maskEmail }

/**
 * The options of each chooser. Traps are listed like any other option, as in
 * real tools: "a number the caller gives" sits beside "line of record".
 */
export function chooserOptions(scenario: Scenario, policy: Policy): Record<ChooserAction, ChooserOption[]> {
  const { account, callerFacts } = scenario
  const where: Record<(typeof OTP_DESTINATIONS)[number], string> = {
    'line-of-record': account.line,
    'email-of-record': maskEmail(account.email.address),
    'calling-number': callerFacts.callingFrom.number,
    'caller-supplied': 'The number the caller reads out',
    'new-sim': 'The SIM or eSIM in the caller’s new device',
  }
  return {
    'send-otp': OTP_DESTINATIONS.map((d) => ({ id: d, label: OTP_DESTINATION_LABELS[d], detail: where[d] })),
    'ask-knowledge': KNOWLEDGE_QUESTIONS.map((q) => ({ id: q, label: KNOWLEDGE_LABELS[q] })),
    'confirm-detail': DISCLOSABLE_FIELDS.map((f) => ({ id: f, label: DISCLOSABLE_LABELS[f] })),
    escalate: ESCALATION_TEAMS.map((t) => ({ id: t, label: TEAM_LABELS[t] })),
    'offer-safe-path': SAFE_PATHS.map((p) => ({
      id: p,
      label: SAFE_PATH_LABELS[p],
      // The hold's length is the policy's (R12), so the label leaves it to this line.
      ...(p === 'remote-fallback' ? { detail: `The new SIM works only after a hold of ${formatAmount(policy.remoteHoldHours, 'hour')}` } : {}),
    })),
    'perform-hrt': HRT_KINDS.map((k) => {
      const target = targetField(scenario, k)
      return {
        id: k,
        label: HRT_LABELS[k],
        ...(k === scenario.request.kind ? { detail: 'What the caller is asking for' } : {}),
        ...(target ? { target } : {}),
      }
    }),
    'check-id': ID_CHECK_METHODS.map((m) => ({
      id: m,
      label: ID_CHECK_LABELS[m],
      detail: m === 'scan' ? 'The ID scanner checks the document’s security features and data' : 'The photo and the name, by eye',
    })),
  }
}

/** What an empty target means for the kinds that may go to a contact of record (R5); the others need one. */
const EMPTY_TARGET: Partial<Record<HrtKind, string>> = { 'esim-qr': 'Email of record', 'ship-sim': 'Address of record' }

function targetField(scenario: Scenario, kind: HrtKind): TargetField | null {
  const type = HRT_TARGETS[kind]
  const label = HRT_TARGET_LABELS[kind]
  if (!type || !label) return null
  // The caller's own words (the request they made), never the account's: the contact of record stays hidden until two factors (R2).
  return { type, label, asked: requestedTarget(scenario, kind) ?? null, emptyMeans: EMPTY_TARGET[kind] ?? null }
}

/**
 * Phrasings on offer in the current beat, less those already said on this
 * call, in the session's order (shuffled by its seed, so the good one is not
 * always key 1) and with its variants (src-core/engine/phrasings.ts, variation.ts).
 */
export function offeredChoices(scenario: Scenario, ctx: CallContext): ConsoleChoice[] {
  const said = new Set(ctx.phrasing.map((p) => p.choice))
  return offeredPhrasings(realiseScenario(scenario, ctx.seed), ctx.beat, ctx.seed)
    .filter((c) => !said.has(c.id))
    .map((c) => ({ id: c.id, text: c.text }))
}

function factorChips(ctx: CallContext, scenario: Scenario): FactorChip[] {
  const pinPassed = ctx.passes.some((p) => p.factor === 'pin')
  const codePassed = ctx.passes.some((p) => p.factor === 'otp')
  const chips: FactorChip[] = [
    {
      id: 'pin',
      label: 'PIN',
      state: pinPassed ? 'pass' : ctx.pinGuessesUsed > 0 ? 'fail' : 'idle',
      value: pinPassed ? 'passed' : ctx.pinGuessesUsed > 0 ? 'failed' : ctx.did.includes('ask-pin') ? 'not given' : 'not asked',
    },
    {
      id: 'code',
      label: 'Code',
      state: codePassed ? 'pass' : ctx.otpsSent > 0 ? 'fail' : 'idle',
      value: codePassed ? 'passed' : ctx.otpsSent > 0 ? 'not entered' : 'not sent',
    },
  ]
  if (ctx.did.includes('use-caller-id')) chips.push({ id: 'caller-id', label: 'Caller ID', state: 'pass', value: 'recorded' })
  // Only a counter has an ID to check (R3d).
  if (channelOffers(scenario.channel, 'check-id')) {
    const id = ctx.passes.find((p) => p.factor === 'photo-id' && p.valid) ?? ctx.passes.find((p) => p.factor === 'photo-id')
    chips.push({
      id: 'photo-id',
      label: 'Photo ID',
      state: id ? 'pass' : ctx.idScanFailedSeq !== null ? 'fail' : 'idle',
      value: id ? (id.valid ? 'scanned, valid' : 'checked by eye') : ctx.idScanFailedSeq !== null ? 'failed the scan' : 'not checked',
    })
  }
  return chips
}

function acceptedFactors(ctx: CallContext, events: readonly SessionEvent[]): AcceptedFactor[] {
  return ctx.passes.map((p) => {
    const event = events.find((e) => e.seq === p.seq)
    const detail = event?.type === 'send-otp' ? OTP_DESTINATION_LABELS[event.to] : event?.type === 'check-id' ? ID_CHECK_LABELS[event.method] : null
    return { factor: p.factor, category: p.category, detail, seq: p.seq }
  })
}

function accountDetails(scenario: Scenario, compiled: CompiledScenario): AccountDetailsView {
  const a = scenario.account
  return {
    holder: a.holder,
    line: a.line,
    accountNumber: a.accountNumber,
    plan: a.plan,
    email: a.email.address,
    address: a.address ?? null,
    device: a.device.model,
    sim: a.device.sim,
    imei: a.device.imei ?? null,
    recentlyChanged: CHANGEABLE_CONTACTS.filter((f) => recentlyChanged(a, f, compiled.policy)),
  }
}

function accountHistory(scenario: Scenario, compiled: CompiledScenario): AccountHistoryView {
  const a = scenario.account
  const recentChanges = a.recentChanges.map((c) => ({
    field: c.field,
    daysAgo: c.daysAgo,
    detail: c.detail ?? null,
    recent: c.daysAgo < compiled.policy.recentChangeDays,
  }))
  const recentFields = new Set(recentChanges.filter((c) => c.recent).map((c) => c.field))
  return {
    simProtection: a.locks.simProtection,
    numberLock: a.locks.numberLock,
    priorFailedAttempts: a.priorFailedAttempts,
    notes: a.notes.map((n) => ({ binding: n.binding, text: n.text })),
    recentChanges,
    // Whether an order is the attacker's is ground truth: the console shows what was ordered and when.
    pendingOrders: a.pendingOrders.map((o) => ({ kind: o.kind, placedHoursAgo: o.placedHoursAgo })),
    flagCount:
      recentFields.size + (a.priorFailedAttempts > 0 ? 1 : 0) + a.notes.filter((n) => n.binding !== 'info').length + a.pendingOrders.length,
  }
}

/** The action types a console offers: those of the contact's channel while the call is live, only ending it once it is over. */
export function offeredActions(over: boolean, channel: Channel): AgentActionType[] {
  return over ? ['end-call'] : AGENT_ACTIONS.filter((a) => channelOffers(channel, a))
}

export interface ViewInput {
  compiled: CompiledScenario
  snapshot: CallSnapshot
  /** The acknowledged log the snapshot was reached by. */
  events: readonly SessionEvent[]
  mode: SessionMode
}

/**
 * The parts of a view that depend on the scenario and the policy alone (the
 * choosers, the account as the system holds it), worked out once per compiled
 * scenario: a view follows every intent, and these never change during a call.
 * Views share them, so they are frozen.
 */
type FixedParts = { options: ConsoleView['options']; details: AccountDetailsView; history: AccountHistoryView }
// Per compiled scenario, and per seed when it declares variants (the account shows the session's picks).
const fixedParts = new WeakMap<CompiledScenario, Map<number, FixedParts>>()
function fixedPartsOf(compiled: CompiledScenario, seed: number) {
  const key = Object.keys(compiled.scenario.variants).length ? seed : 0
  let bySeed = fixedParts.get(compiled)
  if (!bySeed) fixedParts.set(compiled, (bySeed = new Map()))
  let parts = bySeed.get(key)
  if (!parts) {
    const shown = realiseScenario(compiled.scenario, seed)
    parts = deepFreeze({
      options: chooserOptions(shown, compiled.policy),
      details: accountDetails(shown, compiled),
      history: accountHistory(shown, compiled),
    })
    bySeed.set(key, parts)
  }
  return parts
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

export function consoleView({ compiled, snapshot, events, mode }: ViewInput): ConsoleView {
  const ctx = snapshot.context
  const policy = compiled.policy
  // What the console shows of the scenario, with this session's variants.
  const scenario = realiseScenario(compiled.scenario, ctx.seed)
  const over = snapshot.status !== 'active'
  const practice = mode === 'practice'
  const authenticated = isConsoleUnlocked(ctx)
  const historyOpen = authenticated || ctx.checkedAccountSeq !== null
  const fixed = fixedPartsOf(compiled, ctx.seed)
  return {
    step: events.length,
    mode,
    status: over ? 'over' : 'active',
    call: {
      title: scenario.title,
      tier: scenario.tier,
      channel: scenario.channel,
      callingFrom: scenario.callerFacts.callingFrom.number,
      networkVerified: scenario.callerFacts.callingFrom.networkVerified,
      reason: scenario.request.summary,
    },
    transcript: ctx.transcript
      .filter((l) => practice || l.speaker !== 'policy')
      .map((l) => ({ seq: l.seq, speaker: l.speaker, text: l.text })),
    choices: over ? [] : offeredChoices(scenario, ctx),
    actions: offeredActions(over, scenario.channel),
    options: fixed.options,
    account: {
      authenticated,
      claimedName: scenario.callerFacts.claimsToBe ?? scenario.account.holder,
      details: authenticated ? fixed.details : null,
      history: historyOpen ? fixed.history : null,
    },
    verification: {
      chips: factorChips(ctx, scenario),
      accepted: acceptedFactors(ctx, events),
      failedAttempts: ctx.failedAttempts,
      attemptLimit: policy.failedAttemptsPerCall,
    },
    notes: ctx.notes.map((n) => ({ seq: n.seq, items: [...n.items], text: n.text })),
    policy,
    hint: practice && !over ? practiceHint(scenario, ctx, policy) : null,
  }
}

/**
 * Why an intent is not on offer in this view, as a sentence for people; null
 * when it is. Main refuses the intent with this reason and stores nothing.
 */
export function refusalOf(view: ConsoleView, step: number, action: { type: AgentActionType } & Record<string, unknown>): string | null {
  if (step !== view.step)
    return `This action was chosen on the console as it was at step ${step}, but the call is at step ${view.step}; nothing was stored. Look at the console again and choose.`
  if (!view.actions.includes(action.type))
    return view.status === 'over' ? 'The call is over: it can only be ended now.' : `“${action.type}” is not on offer on this console.`
  if (action.type === 'say' && !view.choices.some((c) => c.id === action['choice']))
    return `The phrasing “${String(action['choice'])}” is not on offer at this point of the call (it was never offered here, or it was already said).`
  const param = CHOOSER_PARAMS[action.type as ChooserAction] as string | undefined
  const option = param ? view.options[action.type as ChooserAction].find((o) => o.id === action[param]) : undefined
  if (param && !option) return `“${String(action[param])}” is not one of the options the console offers for this action.`
  if (action.type === 'perform-hrt' && option?.target && option.target.emptyMeans === null && action['target'] === undefined && option.target.asked === null)
    return `${option.label} needs its target, and the caller named none: the confirmation asks for it (“${option.target.label}”). Nothing was stored.`
  if (action.type === 'perform-hrt' && option && !option.target && action['target'] !== undefined)
    return `${option.label} has no target; send it without one. Nothing was stored.`
  return null
}

/**
 * The action main records for an intent `refusalOf` accepted: a change sent
 * without its target is recorded with the one the caller asked for, so every
 * change in a new log names its own target (the console always sends one; a
 * golden transcript played through the API may leave it to the caller's words).
 */
export function completeIntent<A extends { type: AgentActionType } & Record<string, unknown>>(view: ConsoleView, action: A): A {
  if (action.type !== 'perform-hrt' || action['target'] !== undefined) return action
  const field = view.options['perform-hrt'].find((o) => o.id === action['kind'])?.target
  return field && field.emptyMeans === null && field.asked !== null ? { ...action, target: field.asked } : action
}
