import type { Account, CallerFacts, Choice, Scenario } from '../scenario/schema'
import {
  DISCLOSABLE_LABELS,
  HRT_LABELS,
  KNOWLEDGE_LABELS,
  OTP_DESTINATION_LABELS,
  TEAM_LABELS,
  type AgentActionType,
  type ChangeableContact,
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
import type { Policy } from './policy'
import { otpCode } from './random'

/**
 * The generic world model: what every agent action does to the call, derived
 * from the scenario's facts alone. The narrative layer (beats) only chooses
 * what the caller says and where the story goes; it never changes these
 * effects, which is why one scorer can judge every scenario.
 */

export type FactorKind = 'pin' | 'otp' | 'caller-id'
/** R4 wants two factors from different categories. Caller ID is possession of the line, like an OTP to it. */
export type FactorCategory = 'knowledge' | 'possession'

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
  | 'transfer-pin-unverified'
  | 'lock-removed'
  | 'binding-note-overridden'
  | 'authority-bypass'
  | 'verified-through-hijacked-line'
  | 'order-left-pending'
  | 'offer-accepted'

export interface Finding {
  kind: BreachKind
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
  hrts: Array<{ kind: HrtKind; seq: number; verified: boolean; notify: boolean; hold: boolean }>
  phrasing: Array<{ choice: string; tags: PhrasingTag[]; seq: number }>
  notes: Array<{ items: NoteItem[]; text: string; seq: number }>
  tacticsSeen: Array<{ tactic: Tactic; seq: number; beat: string }>
  did: AgentActionType[]
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
    phrasing: [],
    notes: [],
    tacticsSeen: [],
    did: [],
    visited: [],
    findings: [],
    transcript: [],
    ended: false,
  }
}

// ---------- derived views (pure; the console and the scorer use the same ones) ----------

export function validCategories(ctx: CallContext): Set<FactorCategory> {
  return new Set(ctx.passes.filter((p) => p.valid).map((p) => p.category))
}

/** R4: two valid factors from different categories. */
export function isVerified(ctx: CallContext): boolean {
  return validCategories(ctx).size >= 2
}

/** What the simulated system believes: it accepts a code sent anywhere. This is what unlocks the console (R2). */
export function isConsoleUnlocked(ctx: CallContext): boolean {
  return new Set(ctx.passes.map((p) => p.category)).size >= 2
}

export function validFactorCount(ctx: CallContext): number {
  return validCategories(ctx).size
}

export function hrtBlocked(ctx: CallContext, account: Account, policy: Policy): boolean {
  return (
    ctx.flaggedSeq !== null ||
    ctx.attemptLimitSeq !== null ||
    account.priorFailedAttempts + ctx.failedAttempts >= policy.failedAttemptsPer24h
  )
}

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

export function choicesAt(scenario: Scenario, beat: string): Choice[] {
  return [...(scenario.beats[beat]?.choices ?? []), ...scenario.choices]
}

const HRT_NEEDING_HOLD: ReadonlySet<HrtKind> = new Set(['sim-change', 'esim-transfer', 'ship-sim'])
/** Changes that move the number away from the SIM of record (R1): what an attacker is after. */
export const SIM_MOVING: ReadonlySet<HrtKind> = new Set(['sim-change', 'esim-transfer', 'ship-sim', 'port-out-pin'])

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
  return /^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label
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
  }
  if (ctx.firstVerificationSeq === null && (event.type === 'ask-pin' || event.type === 'send-otp' || event.type === 'use-caller-id'))
    next.firstVerificationSeq = seq
  const verifiedBefore = isVerified(ctx)
  const authorityClaim =
    facts.identity === 'third-party' || scenario.tactics.some((t) => t === 'authority-staff' || t === 'authority-police')

  const registerFailure = () => {
    next.failedAttempts = ctx.failedAttempts + 1
    const inCall = next.failedAttempts >= policy.failedAttemptsPerCall
    const in24h = account.priorFailedAttempts + next.failedAttempts >= policy.failedAttemptsPer24h
    if ((inCall || in24h) && next.attemptLimitSeq === null) {
      next.attemptLimitSeq = seq
      systemLines.push(
        `Failed-attempt limit reached (${next.failedAttempts} in this call, ${account.priorFailedAttempts + next.failedAttempts} in 24 h).`,
      )
      policyLines.push('R7: stop verifying, flag the account, notify the customer.')
    }
  }
  const pastAttemptLimit = ctx.attemptLimitSeq !== null
  const noteAttemptAfterLimit = (what: string) => {
    if (pastAttemptLimit)
      findings.push({
        kind: 'attempt-after-limit',
        rule: 'R7',
        seq,
        message: `${what} after the failed-attempt limit; R7 says stop and offer no further questions.`,
      })
  }

  switch (event.type) {
    case 'ask-pin': {
      agentLine = 'Can I have the account PIN, please?'
      noteAttemptAfterLimit('Asked for the PIN again')
      if (account.pin !== null && callerKnows(facts, 'pin')) {
        callerLine = `It's ${spaced(account.pin)}.`
        if (!next.passes.some((p) => p.factor === 'pin')) {
          next.passes = [...next.passes, { factor: 'pin', category: 'knowledge', valid: true, seq, detail: 'PIN' }]
        }
        systemLines.push('PIN correct: knowledge factor passed.')
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
      const address =
        resolved === 'line-of-record'
          ? account.line
          : resolved === 'email-of-record'
            ? account.email.address
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
            ? facts.holds.includes('email-inbox')
            : resolved === 'new-sim'
              ? facts.holds.includes('new-sim')
              : true

      let valid = true
      let invalidReason = ''
      if (resolved === 'caller-supplied' || resolved === 'new-sim') {
        valid = false
        invalidReason = resolved === 'new-sim' ? 'the new SIM' : 'a number the caller supplied'
        findings.push({
          kind: 'code-to-invalid-destination',
          rule: 'R5',
          seq,
          message: `Sent a code to ${invalidReason}. Codes go only to the line or email of record, never to a destination given on the call or to the new SIM.`,
        })
      } else if (resolved === 'email-of-record' && recentlyChanged(account, 'email', policy)) {
        valid = false
        invalidReason = 'an email changed in the last 30 days'
        findings.push({
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
            kind: 'verified-through-hijacked-line',
            rule: 'R21',
            seq,
            message: 'Verified through the hijacked line: the code went to the attacker. Use PIN + email-of-record code, or escalate.',
          })
      }
      if (relayed) {
        valid = false
        invalidReason = 'a device the caller says is lost (relayed code)'
        policyLines.push('Warning: the caller read a code sent to a device they said they do not have (R6).')
      }

      if (receives) {
        callerLine = `Got it: ${spaced(code)}.`
        systemLines.push('Code entered matches: possession factor passed.')
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
      const valid = callerIdIsFactor(scenario)
      if (!valid)
        findings.push({
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
      agentLine = `I can confirm that: ${lowerFirst(DISCLOSABLE_LABELS[f])}, ${disclosedValue(account, f)}.`
      next.disclosed = [...ctx.disclosed, { field: f, seq }]
      if (!verifiedBefore) {
        findings.push({
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
      systemLines.push('Account flagged: high-risk changes blocked for 24 hours.')
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
      agentLine = safePathLine(event.path, policy)
      break
    }

    case 'deny': {
      next.deniedSeq = ctx.deniedSeq ?? seq
      agentLine = "I'm not able to make that change on this call."
      break
    }

    case 'perform-hrt': {
      const kind = event.kind
      const verified = verifiedBefore
      const blocked = hrtBlocked(ctx, account, policy)
      next.hrts = [...ctx.hrts, { kind, seq, verified, notify: event.notify, hold: event.hold }]
      systemBefore.push(`${HRT_LABELS[kind]}: order placed${event.hold ? ' with a hold' : ''}${event.notify ? ', notice sent to line and email of record' : ''}.`)
      const factorList = ctx.passes.length ? ctx.passes.map((p) => p.detail).join(' and ') : 'no factor'
      if (kind === 'remove-lock') {
        findings.push({ kind: 'lock-removed', rule: 'R9', seq, message: 'Removed a lock on an inbound call; only the primary holder can, in the app or in a store.' })
      }
      const inPersonOnly = account.notes.some((n) => n.binding === 'in-person-only')
      if (inPersonOnly && SIM_MOVING.has(kind)) {
        findings.push({ kind: 'binding-note-overridden', rule: 'R9', seq, message: 'Overrode a binding note: this account takes such changes in person only.' })
      }
      if (blocked) {
        findings.push({
          kind: 'hrt-while-blocked',
          rule: 'R7',
          seq,
          message: 'Performed a high-risk change while changes were blocked after failed attempts.',
        })
      } else if (!verified) {
        if (kind === 'port-out-pin') {
          findings.push({ kind: 'transfer-pin-unverified', rule: 'R10', seq, message: `Issued a transfer PIN on ${factorList}; it needs two valid factors first.` })
        } else {
          findings.push({
            kind: 'hrt-unverified',
            rule: 'R4',
            seq,
            message: `Performed a high-risk change on ${factorList}; it needs two valid factors from different categories.`,
          })
        }
        if (authorityClaim)
          findings.push({ kind: 'authority-bypass', rule: 'R15', seq, message: 'Bypassed verification because of a staff, store or police claim.' })
      }
      if (!event.notify)
        findings.push({ kind: 'no-notice', rule: 'R11', seq, message: 'No notice to the line and email of record; every such change must send one.' })
      if (!event.hold && hrtNeedsHold(kind))
        findings.push({ kind: 'no-hold', rule: 'R12', seq, message: 'No hold applied; a SIM change waits 10 minutes, or 24 hours without the current SIM.' })
      break
    }

    case 'cancel-order': {
      next.ordersCancelledSeq = ctx.ordersCancelledSeq ?? seq
      systemLines.push(account.pendingOrders.length ? 'Pending orders cancelled.' : 'There were no pending orders.')
      break
    }

    case 'accept-offer': {
      findings.push({ kind: 'offer-accepted', rule: 'R18', seq, message: 'Accepted a favour, bribe or request to share a code; report it instead.' })
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
      agentLine = 'Thank you for calling Northwind Mobile.'
      next.ended = true
      if (account.pendingOrders.some((o) => o.fraudulent) && ctx.ordersCancelledSeq === null) {
        findings.push({ kind: 'order-left-pending', rule: 'R21', seq, message: 'Ended the call with a fraudulent order still pending; cancel it first.' })
      }
      break
    }
  }

  if (findings.length) next.findings = [...ctx.findings, ...findings]
  return { context: next, callerLine, agentLine, systemBefore, systemLines, policyLines }
}

function safePathLine(path: SafePath, policy: Policy): string {
  switch (path) {
    case 'store-with-id':
      return 'Any Northwind store can move your number to a new SIM today: bring a photo ID and your PIN, and it takes about fifteen minutes.'
    case 'remote-fallback':
      return `Without the phone I can still start a replacement remotely: your PIN plus a code to your email on file, a fraud-team review, then a ${policy.remoteHoldHours}-hour hold before it goes live.`
    case 'lock-enrolment':
      return 'I can also turn on SIM Protection, so that nobody can move your number without you in the app or in a store.'
    case 'self-service':
      return 'You can do this yourself in the Northwind app once you sign in; it checks your identity there.'
  }
}

