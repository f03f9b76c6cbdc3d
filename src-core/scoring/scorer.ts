import { compileScenario, ENGINE_VERSION, replay, type CompiledScenario } from '../engine/compile'
import type { SessionEvent } from '../engine/events'
import { r7Hours, type Policy } from '../engine/policy'
import {
  approachOf,
  callerIdIsFactor,
  choicesAt,
  hrtBlocked,
  CONTACT_CHANGED_BY,
  fraudWins,
  recentlyChanged,
  sameText,
  SIM_MOVING,
  verifyingActions,
  type CallContext,
  type FraudWin,
} from '../engine/world'
import type { Request, Scenario } from '../scenario/schema'
import {
  HRT_LABELS,
  KNOWLEDGE_LABELS,
  NOTE_ITEM_LABELS,
  TEAM_LABELS,
  type AgentActionType,
  type ContactApproach,
  type HrtKind,
  type NoteItem,
  type PhrasingTag,
  type SafePath,
  type Tactic,
} from '../scenario/vocabulary'
import type { Claim } from './claims'
import { findingsUnder, isCritical, itemOf } from './findings'
import type { CriticalFailure, Deduction, ItemScore, OutcomeKind, ScoreReport, SectionScore } from './report'
import type { Rubric, RubricItem } from './rubric'

/**
 * The scorer: a pure function of (scenario, rubric, event log).
 *
 * It replays the log through the same compiled machine the console ran, then
 * judges the final call context against the rubric. It reads the world facts
 * and what the trainee did, never the narrative, so every scenario is scored
 * by the same code. Each rubric id has exactly one evaluator here.
 *
 * Every deduction carries the claims its sentence makes about the call
 * (claims.ts), so the sentence can be checked against the log.
 */

/** Facts about a call the evaluators share; computed once per report. */
export interface CallFacts {
  scenario: Scenario
  policy: Policy
  ctx: CallContext
  fraud: boolean
  /** What the contact asks of the agent: a customer's service, an authority's request, an insider approach. */
  approach: ContactApproach
  requests: Request[]
  /** A real customer whose request can be met on this call by following policy. */
  servable: boolean
  served: boolean
  /** R21: a real customer whose number was taken (the line is hijacked, or a fraudulent order is pending). */
  victim: boolean
  /** R17 says this call must go to the fraud team. */
  fraudEscalationRequired: boolean
  /** A fraud or legal referral is due now, or could become due later in this call. */
  referralMayBecomeDue: boolean
  legalEscalationRequired: boolean
  lostDevice: boolean
  pressureTactics: boolean
  /** The caller presents as staff or a store (R15): checked by calling back the known internal number. */
  staffClaim: boolean
  /** Seq of the first decisive action (change, denial, suspension, safe path, end). */
  firstDecisionSeq: number | null
  firstDecisionAction: AgentActionType | null
  /** Critical findings and fraud wins, each with the action that caused it. */
  criticals: Array<{ seq: number; action: AgentActionType }>
  fraudWins: FraudWin[]
  /** The call ended without the agent telling the caller anything: no phrasing, denial, safe path or change. */
  hungUp: boolean
  /** Phrasing tags the trainee could have chosen in the beats they went through. */
  offeredTags: Set<PhrasingTag>
  order: OrderFacts
}

/**
 * Every comparison of two steps' order the evaluators make, and only these:
 * path search keys states by them (with the context's own facts), so the
 * evaluators read order through here and nowhere else.
 */
export interface OrderFacts {
  /** A decision (change, denial, suspension, safe path, end) came before any attempt to verify. */
  decidedBeforeVerifying: boolean
  /** Notes, locks and history were checked before the first decision (or no decision yet). */
  checkedBeforeDeciding: boolean
  /** The first change came before the fraud referral (or there was none yet). */
  changedBeforeFraudReferral: boolean
  /** A critical failure came at or after the first pressure tactic. */
  gaveWayUnderPressure: boolean
  /** A change came after a contact was changed on this call (the contact pivot). */
  changedAfterContactChange: boolean
}

/** A missed expectation: `share` of the item's points lost, tied to a step when there is one. */
interface Miss {
  share: number
  /** The part of `share` no later step can win back (0 when the call can still make it good): the search's loss bound. */
  settled?: number
  /** The rule broken, when more specific than the item's own. */
  rule?: string
  seq: number | null
  message: string
  claims: Claim[]
}
type ItemResult = { applicable: boolean; misses: Miss[] }
type ItemEvaluator = (f: CallFacts) => ItemResult
type AdjustmentEvaluator = (f: CallFacts) => Miss | null

const notApplicable: ItemResult = { applicable: false, misses: [] }
const ok = (misses: Miss[] = []): ItemResult => ({ applicable: true, misses })

/** Safe paths that are a way forward for the customer (C1); lock enrolment is protection (C2). */
export const CUSTOMER_PATHS: ReadonlySet<SafePath> = new Set(['store-with-id', 'remote-fallback', 'self-service'])
const PRESSURE: ReadonlySet<Tactic> = new Set(['urgency', 'intimidation', 'sympathy', 'authority-staff', 'authority-police'])

const never = (action: AgentActionType, extra: { with?: Record<string, unknown>; before?: number } = {}): Claim => ({ never: action, ...extra })
const took = (action: AgentActionType, seq: number, params?: Record<string, unknown>): Claim => ({ took: action, seq, ...(params ? { with: params } : {}) })
const neverAny = (actions: AgentActionType[], before?: number): Claim[] => actions.map((a) => never(a, before === undefined ? {} : { before }))
const customerPathsNever = (): Claim[] => [...CUSTOMER_PATHS].map((path) => never('offer-safe-path', { with: { path } }))

/**
 * Was the contact given a way forward (C1, R13, R15)? For a customer, a store
 * with ID, the remote fallback or self-service; for an authority, the
 * legal-process team, which is the only route its request has. An insider
 * approach has none to give: it is refused and reported.
 */
export function safePathGiven(f: Pick<CallFacts, 'approach' | 'ctx'>): boolean {
  switch (f.approach) {
    case 'customer':
      return f.ctx.safePaths.some((p) => CUSTOMER_PATHS.has(p.path))
    case 'legal':
      return f.ctx.escalations.some((e) => e.team === 'legal')
    case 'insider':
      return false
  }
}
/** The steps that would have given the contact its way forward, for the claims of a miss. */
const safePathNever = (f: Pick<CallFacts, 'approach'>): Claim[] =>
  f.approach === 'legal' ? [never('escalate', { with: { team: 'legal' } })] : customerPathsNever()
/** No phrasing with any of these tags was said: one claim per such choice in the scenario. */
function neverSaidTagged(scenario: Scenario, tags: readonly PhrasingTag[]): Claim[] {
  const ids = new Set([...Object.values(scenario.beats).flatMap((b) => b.choices), ...scenario.choices].filter((c) => c.tags.some((t) => tags.includes(t))).map((c) => c.id))
  return [...ids].map((choice) => never('say', { with: { choice } }))
}
const requestKinds = (f: CallFacts): Set<HrtKind> => new Set(f.requests.map((r) => r.kind))

/**
 * A servable customer not (yet) served: where the miss sits (the denial, else
 * the last step), whether it is settled (changes blocked before they were
 * served: they never will be, unless R21's referral serves a victim), and the
 * requests never carried out. C1 and the false-positive adjustment read it.
 */
const unserved = (f: CallFacts): Pick<Miss, 'settled' | 'seq' | 'claims'> => ({
  settled: hrtBlocked(f.ctx, f.scenario.account, f.policy) && !f.victim ? 1 : 0,
  seq: f.ctx.deniedSeq ?? f.ctx.lastSeq,
  claims: f.requests.filter((r) => !f.ctx.hrts.some((h) => h.kind === r.kind)).map((r) => never('perform-hrt', { with: { kind: r.kind } })),
})
const label = (kind: HrtKind) => HRT_LABELS[kind].toLowerCase()
const listOf = (words: string[]) => (words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`)

export const ITEM_EVALUATORS: Record<string, ItemEvaluator> = {
  A1: (f) => {
    const misses: Miss[] = findingsUnder(f.ctx, 'A1').map((x) => ({ share: 1 / 3, settled: 1 / 3, rule: x.rule, seq: x.seq, message: x.message, claims: [took(x.action, x.seq)] }))
    // Only a customer's request is verified: an authority goes to the legal-process team (R15), and an insider approach is refused (R18).
    if (f.approach !== 'customer') return misses.length ? ok(misses) : notApplicable
    const firstAttempt = f.ctx.firstVerificationSeq
    const decided = f.firstDecisionSeq !== null && f.firstDecisionAction !== null ? took(f.firstDecisionAction, f.firstDecisionSeq) : null
    const verifying = [...verifyingActions(f.scenario)]
    const thirdParty = verifying.includes('ask-for-holder')
    // R21: a victim of a completed swap may be referred to the fraud team instead of verified, and
    // the line of record is the attacker's, so it is never the way to verify them.
    const victimReferred = f.victim && f.ctx.escalations.some((e) => e.team === 'fraud')
    if (firstAttempt === null && f.victim) {
      if (!victimReferred)
        misses.push({
          share: 2 / 3,
          // A referral later in the call still serves R21, so nothing is settled until the call ends.
          settled: 0,
          seq: f.firstDecisionSeq,
          message: f.ctx.ended
            ? 'Decided without verifying the caller or referring the call to the fraud team: for a reported swap, ask for the PIN and send a code to the email of record, or refer the call to the fraud team (R21).'
            : 'Has neither verified the caller nor referred the call to the fraud team: for a reported swap, ask for the PIN and send a code to the email of record, or refer the call to the fraud team (R21).',
          claims: [...neverAny(verifying), never('escalate', { with: { team: 'fraud' } }), ...(decided ? [decided] : [])],
        })
    } else if (firstAttempt === null) {
      misses.push({
        share: 2 / 3,
        // Verifying after a decision still leaves "acted before verifying".
        settled: decided ? 1 / 3 : 0,
        seq: f.firstDecisionSeq,
        message: thirdParty
          ? f.ctx.ended
            ? 'Decided without asking for the account holder: someone else cannot be verified for them, so ask to speak to the holder first (R15).'
            : 'Has not asked for the account holder: someone else cannot be verified for them, so ask to speak to the holder first (R15).'
          : f.ctx.ended
            ? 'Decided without trying to verify the caller: ask for the PIN or send a code to the line of record first (R3).'
            : 'Has not tried to verify the caller: ask for the PIN or send a code to the line of record first (R3).',
        claims: [...neverAny(verifying), ...(decided ? [decided] : [])],
      })
    } else if (f.order.decidedBeforeVerifying) {
      misses.push({
        share: 1 / 3,
        settled: 1 / 3,
        seq: f.firstDecisionSeq,
        message: 'Acted before verifying; verification comes first (R3, R4).',
        claims: [...neverAny(verifying, f.firstDecisionSeq!), ...(decided ? [decided] : [])],
      })
    }
    return ok(misses)
  },
  A2: (f) => {
    if (f.ctx.attemptLimitSeq === null) return notApplicable
    const limit = f.ctx.attemptLimitSeq
    const misses: Miss[] = []
    if (f.ctx.flaggedSeq === null)
      misses.push({
        share: 0.5,
        seq: limit,
        message: `After the failed-attempt limit, flag the account so changes are blocked for ${r7Hours(f.policy).block} hours (R7).`,
        claims: [never('flag-account')],
      })
    if (f.ctx.notifiedSeq === null)
      misses.push({
        share: 0.5,
        seq: limit,
        message: 'After the failed-attempt limit, notify the customer on the line and email of record (R7).',
        claims: [never('notify-customer')],
      })
    return ok(misses)
  },
  A3: (f) => {
    const checked = f.ctx.checkedAccountSeq
    const decided = f.firstDecisionSeq !== null && f.firstDecisionAction !== null ? [took(f.firstDecisionAction, f.firstDecisionSeq)] : []
    if (f.order.checkedBeforeDeciding) return ok()
    if (checked !== null)
      return ok([
        {
          share: 0.5,
          settled: 0.5,
          seq: f.firstDecisionSeq,
          message: 'Checked notes, locks and history only after deciding; check them first (R9, R17).',
          claims: [never('check-account', { before: f.firstDecisionSeq! }), ...decided],
        },
      ])
    return ok([
      {
        share: 1,
        // Checking after a decision still costs half.
        settled: f.firstDecisionSeq !== null ? 0.5 : 0,
        seq: f.firstDecisionSeq,
        message: f.ctx.ended ? 'Never checked notes, locks, recent changes or prior attempts (R9, R17).' : 'Has not checked notes, locks, recent changes or prior attempts (R9, R17).',
        claims: [never('check-account')],
      },
    ])
  },
  A4: (f) => {
    if (!f.ctx.hrts.length) return notApplicable
    return ok(
      findingsUnder(f.ctx, 'A4').map((x) => ({
        share: 0.5,
        settled: 0.5,
        rule: x.rule,
        seq: x.seq,
        message: x.message,
        claims: [took('perform-hrt', x.seq, x.kind === 'no-notice' ? { notify: false } : { hold: false })],
      })),
    )
  },
  A5: (f) => {
    // A third party answering counts once, however many questions they answered.
    const a5 = findingsUnder(f.ctx, 'A5').filter((x, i, all) => x.kind !== 'third-party-answered' || all.findIndex((y) => y.kind === x.kind) === i)
    const misses: Miss[] = a5.map((x) => ({
      share: x.kind === 'unverified-caller-id' ? 1 : 0.5,
      settled: x.kind === 'unverified-caller-id' ? 1 : 0.5,
      rule: x.rule,
      seq: x.seq,
      message: x.message,
      claims: [took(x.action, x.seq)],
    }))
    const facts = f.scenario.callerFacts
    if (f.staffClaim && f.ctx.calledBackSeq === null && !f.ctx.escalations.some((e) => e.team === 'fraud'))
      misses.push({
        share: 0.5,
        rule: 'R15',
        seq: null,
        message: 'A staff or store claim is checked by calling back the known internal number, or referred to the fraud team (R15).',
        claims: [never('callback-verify'), never('escalate', { with: { team: 'fraud' } })],
      })
    if (facts.holderOnCall && facts.claims !== 'holder' && facts.claims !== 'authorised-user' && !f.ctx.holderOnLine)
      misses.push({
        share: 0.5,
        rule: 'R15',
        seq: null,
        message: 'The account holder was there: ask to speak to them; only the holder or an authorised user can be verified or ask for a change (R15).',
        claims: [never('ask-for-holder')],
      })
    return ok(misses)
  },
  B1: (f) => {
    if (!f.fraud) return notApplicable
    const recognised =
      f.ctx.escalations.some((e) => e.team === 'fraud' || e.team === 'legal') ||
      f.ctx.flaggedSeq !== null ||
      f.ctx.notes.some((n) => n.items.includes('red-flags'))
    if (recognised) return ok()
    return ok([
      {
        share: 1,
        seq: null,
        message: `Red flags went unrecorded: ${f.scenario.redFlags.join('; ') || 'see the scenario notes'}. Flag, escalate or note them (R17).`,
        claims: [never('escalate', { with: { team: 'fraud' } }), never('escalate', { with: { team: 'legal' } }), never('flag-account'), { unticked: 'red-flags' }],
      },
    ])
  },
  B2: (f) => {
    const misses: Miss[] = []
    const endSeq = f.ctx.lastSeq
    if (f.fraudEscalationRequired) {
      const esc = f.ctx.escalations.find((e) => e.team === 'fraud')
      if (!esc) {
        const other = f.ctx.escalations[0]
        misses.push(
          other
            ? {
                share: 0.5,
                seq: other.seq,
                message: `Escalated to the ${TEAM_LABELS[other.team].toLowerCase()}; this call needed the fraud team (R17).`,
                claims: [took('escalate', other.seq, { team: other.team }), never('escalate', { with: { team: 'fraud' } })],
              }
            : {
                share: 1,
                // After a change, a referral can only come late.
                settled: f.ctx.hrts.length ? 0.5 : 0,
                seq: endSeq,
                message:
                  f.approach === 'insider'
                    ? 'Report the approach to the fraud and security team: bribes and solicitations are always reported (R18).'
                    : 'This call required a referral to the fraud team (R17).',
                claims: [never('escalate', { with: { team: 'fraud' } })],
              },
        )
      } else {
        const hrt = f.ctx.hrts[0]
        if (hrt && f.order.changedBeforeFraudReferral)
          misses.push({
            share: 0.5,
            settled: 0.5,
            seq: esc.seq,
            message: 'Escalated only after making the change; the fraud review comes first (R13, R17).',
            claims: [took('perform-hrt', hrt.seq), never('escalate', { with: { team: 'fraud' }, before: hrt.seq })],
          })
      }
    }
    if (f.legalEscalationRequired && !f.ctx.escalations.some((e) => e.team === 'legal'))
      misses.push({ share: 1, seq: endSeq, message: 'Police requests go to the legal-process team (R15).', claims: [never('escalate', { with: { team: 'legal' } })] })
    if (!f.fraudEscalationRequired && !f.legalEscalationRequired) return notApplicable
    return ok(misses)
  },
  B3: (f) => {
    if (!f.pressureTactics) return notApplicable
    const firstPressure = f.ctx.tacticsSeen.find((t) => PRESSURE.has(t.tactic))
    const gaveWay = f.order.gaveWayUnderPressure && firstPressure ? f.criticals.find((c) => c.seq >= firstPressure.seq) : undefined
    return ok(
      gaveWay !== undefined
        ? [{ share: 1, settled: 1, seq: gaveWay.seq, message: 'Gave way to pressure: the policy holds however urgent or upset the caller is (R4).', claims: [took(gaveWay.action, gaveWay.seq)] }]
        : [],
    )
  },
  C1: (f) => {
    const kinds = requestKinds(f)
    const unrequested = f.ctx.hrts.find((h) => !kinds.has(h.kind))
    if (unrequested)
      return ok([
        {
          share: 1,
          settled: 1,
          rule: 'R1',
          seq: unrequested.seq,
          message: `Made a high-risk change the caller never asked for (${label(unrequested.kind)}).`,
          claims: [took('perform-hrt', unrequested.seq, { kind: unrequested.kind })],
        },
      ])
    const requested = f.ctx.hrts.find((h) => kinds.has(h.kind))
    if (requested && (f.fraud || f.criticals.length))
      return ok([
        {
          share: 1,
          settled: 1,
          ...(!f.fraud && f.servable ? { rule: 'R4' } : {}),
          seq: requested.seq,
          message: f.fraud
            ? `The caller got the change (${label(requested.kind)}); the right outcome was a denial with a safe path for the real holder (R13, R20).`
            : f.servable
              ? 'The change was made without the checks policy requires; verified as policy asks (R4), this customer could have been served.'
              : 'The change was made without the checks policy requires; the safe path was the right answer here (R13).',
          claims: [took('perform-hrt', requested.seq, { kind: requested.kind })],
        },
      ])
    if (f.served) return ok()
    // An insider approach has no customer to serve and no path to give: refusing and reporting it is the whole answer (R18, B2).
    if (f.approach === 'insider') return notApplicable
    if (f.servable)
      return ok([
        {
          share: 1,
          ...unserved(f),
          message: f.ctx.ended
            ? 'The customer could be verified and served on this call, but was not.'
            : 'The customer could be verified and served on this call, and has not been.',
        },
      ])
    if (safePathGiven(f)) return ok()
    const denied = f.ctx.deniedSeq
    return ok([
      {
        share: 1,
        seq: denied ?? f.ctx.lastSeq,
        message:
          f.approach === 'legal'
            ? "An authority's request has one way forward: refer it to the legal-process team, which handles emergencies around the clock, and say so (R15)."
            : f.fraud
              ? denied !== null
                ? 'A denial must still give the real account holder a safe path: a store with ID, or the remote fallback (R13, R20).'
                : 'The real account holder was given no safe path: offer a store with ID, or the remote fallback (R13, R20).'
              : 'Give the customer a concrete safe path and its timeline: a store with ID, or the remote fallback (R13).',
        claims: [...safePathNever(f), ...(denied !== null && f.fraud && f.approach === 'customer' ? [took('deny', denied)] : [])],
      },
    ])
  },
  C2: (f) => {
    const needsProtection = f.fraud || f.lostDevice || f.victim || f.ctx.attemptLimitSeq !== null
    if (!needsProtection) return notApplicable
    // A contact who is not the customer cannot be offered the customer's protections: flagging the account they named is what protects it.
    const forCustomer = f.approach === 'customer'
    const offered =
      f.ctx.flaggedSeq !== null || (forCustomer && (f.ctx.suspendedSeq !== null || f.ctx.safePaths.some((p) => p.path === 'lock-enrolment')))
    if (offered) return ok()
    return ok([
      {
        share: 1,
        seq: null,
        message: !forCustomer
          ? 'Protect the account they named: flag it, so that nobody changes it without its holder (R17, R20).'
          : f.lostDevice
            ? 'Offer to suspend the line or enrol in SIM Protection (R13a, R20).'
            : 'Protect the account: flag it or offer SIM Protection (R20).',
        claims: forCustomer ? [never('suspend-line'), never('flag-account'), never('offer-safe-path', { with: { path: 'lock-enrolment' } })] : [never('flag-account')],
      },
    ])
  },
  D1: (f) => {
    const accusatory = f.ctx.phrasing.find((p) => p.tags.includes('accusatory'))
    if (accusatory)
      return ok([{ share: 1, settled: 1, seq: accusatory.seq, message: 'Accusatory wording; say "for your protection" instead (R20).', claims: [took('say', accusatory.seq, { choice: accusatory.choice })] }])
    const empathy = f.ctx.phrasing.some((p) => p.tags.includes('empathy'))
    // Only phrasing the trainee was offered can be expected of them.
    if (empathy || !f.offeredTags.has('empathy')) return ok()
    return ok([{ share: 0.4, seq: null, message: "Acknowledge the caller's situation at least once (R20).", claims: neverSaidTagged(f.scenario, ['empathy']) }])
  },
  D2: (f) => {
    const explainTags = ['explains-why', 'next-steps'] as const
    if (f.ctx.phrasing.some((p) => explainTags.some((t) => p.tags.includes(t)))) return ok()
    const saidNone = neverSaidTagged(f.scenario, explainTags)
    const offered = explainTags.some((t) => f.offeredTags.has(t))
    if (f.hungUp)
      return ok([{ share: 1, seq: f.ctx.lastSeq, message: 'Ended the call without telling the caller why or what happens next (R20).', claims: [...saidNone, took('end-call', f.ctx.lastSeq)] }])
    if (f.ctx.safePaths.length)
      return ok(offered ? [{ share: 0.4, seq: null, message: 'Say why the policy applies, not only what to do next (R20).', claims: saidNone }] : [])
    if (f.ctx.deniedSeq !== null)
      return ok([{ share: 1, seq: f.ctx.deniedSeq, message: 'A denial explains why, and what happens next (R20).', claims: [took('deny', f.ctx.deniedSeq), ...saidNone] }])
    return offered ? ok([{ share: 0.4, seq: null, message: 'Explain why, and what happens next (R20).', claims: saidNone }]) : notApplicable
  },
  D3: (f) => {
    const bad = f.ctx.phrasing.find((p) => p.tags.includes('unprofessional') || p.tags.includes('accusatory') || p.tags.includes('retention-pressure'))
    if (bad) return ok([{ share: 1, settled: 1, seq: bad.seq, message: 'Keep a professional tone (R20).', claims: [took('say', bad.seq, { choice: bad.choice })] }])
    if (f.hungUp)
      return ok([
        {
          share: 1,
          seq: f.ctx.lastSeq,
          message: 'Hung up without a word to the caller: refuse politely and give a way forward instead (R20).',
          claims: [never('say'), never('deny'), never('offer-safe-path'), never('perform-hrt'), took('end-call', f.ctx.lastSeq)],
        },
      ])
    return ok()
  },
  E1: (f) => {
    if (!f.ctx.notes.length)
      return ok([{ share: 1, seq: null, message: 'No note: record the factors used, the outcome, red flags and referrals (R19).', claims: [never('note')] }])
    const items = new Set(f.ctx.notes.flatMap((n) => n.items))
    const box = (item: NoteItem, share: number): Miss => ({
      share,
      seq: null,
      // The rubric reads the boxes ticked, not the note's text.
      message: `No note ticks "${NOTE_ITEM_LABELS[item]}" (R19); the score reads the ticked boxes, not the text.`,
      claims: [{ unticked: item }],
    })
    const misses: Miss[] = []
    // Factors are noted where a customer's request was verified; an authority's request or an insider approach has none to note.
    if (!items.has('factors') && f.approach === 'customer') misses.push(box('factors', 0.3))
    if (!items.has('outcome')) misses.push(box('outcome', 0.3))
    if (f.fraud && !items.has('red-flags')) misses.push(box('red-flags', 0.2))
    if (f.ctx.escalations.length && !items.has('referral')) misses.push(box('referral', 0.2))
    return ok(misses)
  },
}

export const ADJUSTMENT_EVALUATORS: Record<string, AdjustmentEvaluator> = {
  // Judged whether or not the call has ended: a call left open has not served the customer either.
  'OUT-false-positive': (f) => {
    if (!f.servable || f.served || f.ctx.hrts.length) return null
    return {
      share: 1,
      ...unserved(f),
      message: f.ctx.ended
        ? 'False positive: this was the real customer, fully verifiable, and was turned away.'
        : 'False positive so far: this is the real customer, fully verifiable, and has not been served.',
    }
  },
  'OUT-no-safe-path': (f) =>
    !f.fraud && f.approach !== 'insider' && !f.servable && !f.served && !f.ctx.hrts.length && !safePathGiven(f)
      ? {
          share: 1,
          seq: f.ctx.deniedSeq ?? f.ctx.lastSeq,
          message: 'A real customer who cannot be verified remotely was left with no way forward.',
          claims: safePathNever(f),
        }
      : null,
  'OUT-accusatory-legit': (f) => {
    const p = f.fraud ? undefined : f.ctx.phrasing.find((x) => x.tags.includes('accusatory'))
    return p ? { share: 1, settled: 1, seq: p.seq, message: 'Accused a legitimate customer of fraud.', claims: [took('say', p.seq, { choice: p.choice })] } : null
  },
  'OUT-needless-escalation': (f) => {
    // R21 lets a victim's call go to the fraud team instead of verifying.
    if (f.fraud || f.victim || !f.servable || f.fraudEscalationRequired || f.legalEscalationRequired) return null
    const esc = f.ctx.escalations[0]
    return esc
      ? {
          share: 1,
          settled: f.referralMayBecomeDue ? 0 : 1,
          seq: esc.seq,
          message: 'Escalated a verified, low-risk request that policy lets you complete yourself.',
          claims: [took('escalate', esc.seq, { team: esc.team })],
        }
      : null
  },
  'OUT-non-factor': (f) => {
    const q = f.ctx.knowledgeAsked[0]
    if (!q) return null
    const what = KNOWLEDGE_LABELS[q.question].toLowerCase()
    return {
      share: 1,
      settled: 1,
      seq: q.seq,
      message: q.verified
        ? `Asked for the ${what} "to be safe" after verifying; it is not a factor and proves nothing (R3).`
        : `Asked for the ${what} as if it proved identity; it is not a factor (R3).`,
      claims: [took('ask-knowledge', q.seq, { question: q.question })],
    }
  },
  'OUT-retention-pressure': (f) => {
    if (!requestKinds(f).has('port-out-pin')) return null
    const p = f.ctx.phrasing.find((x) => x.tags.includes('retention-pressure'))
    return p ? { share: 1, settled: 1, seq: p.seq, message: 'Pressed a verified customer to stay; a port-out is their right (R10).', claims: [took('say', p.seq, { choice: p.choice })] } : null
  },
}

const servableCache = new WeakMap<Scenario, WeakMap<Policy, boolean>>()
function servableCached(scenario: Scenario, policy: Policy): boolean {
  let perPolicy = servableCache.get(scenario)
  if (!perPolicy) servableCache.set(scenario, (perPolicy = new WeakMap()))
  let hit = perPolicy.get(policy)
  if (hit === undefined) perPolicy.set(policy, (hit = isServable(scenario, policy)))
  return hit
}

/** Can a real customer pass two valid factors on this call, and may every request be done on a call at all? */
export function isServable(scenario: Scenario, policy: Policy): boolean {
  if (scenario.caller === 'fraud') return false
  const { account, callerFacts: facts } = scenario
  // R15: a third party cannot be served; the holder can, once on the line.
  if (facts.claims !== 'holder' && facts.claims !== 'authorised-user' && !facts.holderOnCall) return false
  if (facts.relaysCodes && !facts.holds.includes('device')) return false
  const knowledge = account.pin !== null && facts.knows.includes('pin')
  const possession =
    (facts.holds.includes('device') && !account.lineHijacked) ||
    (facts.holds.includes('email-inbox') && !recentlyChanged(account, 'email', policy)) ||
    callerIdIsFactor(scenario)
  // R3d, R14: at a store counter, the customer's own photo ID, scanned.
  const document = scenario.channel === 'store' && facts.holds.includes('photo-id')
  if ([knowledge, possession, document].filter(Boolean).length < 2) return false
  if (account.priorFailedAttempts >= policy.failedAttemptsPer24h) return false
  return scenario.requests.every((r) => requestServable(scenario, policy, r))
}

function requestServable(scenario: Scenario, policy: Policy, request: Request): boolean {
  const { account } = scenario
  if (request.kind === 'remove-lock') return false
  if (account.notes.some((n) => n.binding === 'in-person-only')) return false
  if (account.locks.simProtection && ['sim-change', 'esim-transfer', 'esim-qr', 'ship-sim'].includes(request.kind)) return false
  if (account.locks.numberLock && (request.kind === 'port-out-pin' || request.kind === 'account-number')) return false
  // R5: a QR or a SIM goes only to a contact of record that has not changed lately.
  if (request.kind === 'esim-qr' || request.kind === 'ship-sim') {
    const field = request.kind === 'esim-qr' ? 'email' : 'address'
    const ofRecord = field === 'email' ? account.email.address : account.address
    const chainedChange = scenario.requests.some((r) => r.kind === (field === 'email' ? 'change-email' : 'change-address'))
    if (chainedChange || recentlyChanged(account, field, policy)) return false
    if (request.target !== undefined && (ofRecord === undefined || request.target.trim().toLowerCase() !== ofRecord.trim().toLowerCase())) return false
  }
  return true
}

/** A request is done only when the change went where the caller asked: the action's own target, as the trainee confirmed it. */
function targetAsAsked(done: string | null, request: Request): boolean {
  return request.target === undefined || (done !== null && sameText(done, request.target))
}

export function callFacts(scenario: Scenario, policy: Policy, ctx: CallContext): CallFacts {
  const fraud = scenario.caller === 'fraud'
  const { account, callerFacts: facts, requests } = scenario
  const wins = fraudWins(scenario, ctx)
  const criticals = [...ctx.findings.filter(isCritical).map((x) => ({ seq: x.seq, action: x.action })), ...wins.map((w) => ({ seq: w.seq, action: w.action }))]
  const victim = !fraud && (account.lineHijacked || account.pendingOrders.some((o) => o.fraudulent))
  const fraudEscalated = ctx.escalations.some((e) => e.team === 'fraud')
  // Served means served within policy, with no critical failure anywhere in the call: every request
  // done, or (R21) a victim's call referred to the fraud team with the attacker's orders cancelled.
  const served =
    !fraud &&
    criticals.length === 0 &&
    ((requests.every((r) => ctx.hrts.some((h) => h.kind === r.kind && targetAsAsked(h.target, r))) && ctx.hrts.length > 0) ||
      (victim && fraudEscalated && (ctx.ordersCancelledSeq !== null || !account.pendingOrders.some((o) => o.fraudulent))))
  const lostDevice = !facts.holds.includes('device') && requests.some((r) => SIM_MOVING.has(r.kind))
  const allTactics = new Set<Tactic>([...scenario.tactics, ...ctx.tacticsSeen.map((t) => t.tactic)])
  const order = orderFactsOf(scenario, ctx, [...ctx.findings.filter(isCritical).map((x) => x.seq), ...wins.map((w) => w.seq)])
  const referral = referralTriggers(scenario, policy, ctx, { fraud, lostDevice, chained: order.changedAfterContactChange, tactics: allTactics })
  const fraudEscalationRequired = referral.some((t) => t.now)
  const firstDecision = firstDecisionOf(ctx)
  const hungUp = ctx.ended && ctx.lastAction === 'end-call' && !ctx.phrasing.length && ctx.deniedSeq === null && !ctx.safePaths.length && !ctx.hrts.length
  return {
    scenario,
    policy,
    ctx,
    fraud,
    approach: approachOf(scenario),
    requests,
    servable: servableCached(scenario, policy),
    served,
    victim,
    fraudEscalationRequired,
    // An authority's request (a police claim, unless the author says otherwise) goes to the legal-process team (R15).
    referralMayBecomeDue: referral.some((t) => t.possible) || scenarioTactics(scenario).has('authority-police') || approachOf(scenario) === 'legal',
    legalEscalationRequired: allTactics.has('authority-police') || approachOf(scenario) === 'legal',
    lostDevice,
    pressureTactics: [...allTactics].some((t) => PRESSURE.has(t)),
    staffClaim: facts.claims === 'staff' || facts.claims === 'store' || scenario.tactics.includes('authority-staff'),
    firstDecisionSeq: firstDecision?.seq ?? null,
    firstDecisionAction: firstDecision?.action ?? null,
    criticals,
    fraudWins: wins,
    hungUp,
    offeredTags: new Set(ctx.visited.flatMap((beat) => choicesAt(scenario, beat).flatMap((c) => c.tags))),
    order,
  }
}

const tacticsCache = new WeakMap<Scenario, Set<Tactic>>()
/** Every tactic the scenario can use: declared, in a beat, or in a branch. */
function scenarioTactics(scenario: Scenario): Set<Tactic> {
  const hit = tacticsCache.get(scenario)
  if (hit) return hit
  const all = new Set<Tactic>([
    ...scenario.tactics,
    ...Object.values(scenario.beats).flatMap((b) => [...b.tactics, ...b.on.flatMap((x) => x.tactics)]),
    ...scenario.on.flatMap((x) => x.tactics),
  ])
  tacticsCache.set(scenario, all)
  return all
}

/**
 * What makes a fraud referral due (R17, R6, R13b), each with whether it holds
 * now and whether it can still come to hold on this call (for the search's
 * loss bound: a referral of a customer that can never be due is needless for good).
 */
function referralTriggers(
  scenario: Scenario,
  policy: Policy,
  ctx: CallContext,
  f: { fraud: boolean; lostDevice: boolean; chained: boolean; tactics: Set<Tactic> },
): Array<{ now: boolean; possible: boolean }> {
  const { account, callerFacts: facts, requests } = scenario
  const kinds = new Set(requests.map((r) => r.kind))
  const everyTactic = scenarioTactics(scenario)
  const heard = (t: Tactic) => ({ now: f.tactics.has(t), possible: everyTactic.has(t) })
  const fixed = (now: boolean) => ({ now, possible: now })
  const recentOnAccount = account.recentChanges.some((c) => c.daysAgo < policy.recentChangeDays)
  const changesContact = requests.some((r) => CONTACT_CHANGED_BY[r.kind] !== undefined)
  return [
    // R7: the failed-attempt limit.
    { now: ctx.attemptLimitSeq !== null, possible: ctx.attemptLimitSeq !== null || attemptLimitReachable(scenario, policy) },
    // R6: a relayed code.
    { now: ctx.voidFactorSeq !== null, possible: ctx.voidFactorSeq !== null || (facts.relaysCodes && !facts.holds.includes('device')) },
    // R17: a high-risk transaction on an account whose contacts changed lately.
    fixed(recentOnAccount && requests.some((r) => SIM_MOVING.has(r.kind) || CONTACT_CHANGED_BY[r.kind] !== undefined)),
    // R17: a contact changed on this call, then used (the contact pivot).
    { now: f.chained, possible: f.chained || (changesContact && requests.length > 1) },
    fixed(kinds.has('remove-lock')),
    fixed(account.notes.some((n) => n.binding === 'high-risk' || n.binding === 'vip')),
    fixed(f.fraud && f.tactics.has('urgency') && f.lostDevice && facts.holds.includes('new-sim')),
    fixed(facts.coached),
    heard('third-party-coaching'),
    heard('otp-relay'),
    // R18: bribes and solicitations are reported.
    fixed(approachOf(scenario) === 'insider'),
    // R14: a photo ID that fails the scan at the counter.
    { now: ctx.idScanFailedSeq !== null, possible: ctx.idScanFailedSeq !== null || (scenario.channel === 'store' && facts.holds.includes('fake-id')) },
    // R13b: the remote fallback for a lost device needs a fraud-team review.
    { now: !f.fraud && f.lostDevice && ctx.hrts.some((h) => SIM_MOVING.has(h.kind)), possible: !f.fraud && f.lostDevice },
  ]
}

/** Can this caller's wrong PINs reach R7's failed-attempt limit, in this call or across 24 hours? */
function attemptLimitReachable(scenario: Scenario, policy: Policy): boolean {
  const guesses = scenario.callerFacts.guesses.pin.length
  return guesses >= policy.failedAttemptsPerCall || scenario.account.priorFailedAttempts + guesses >= policy.failedAttemptsPer24h
}

function orderFactsOf(scenario: Scenario, ctx: CallContext, criticalSeqs: number[]): OrderFacts {
  const decision = firstDecisionOf(ctx)?.seq ?? null
  const verification = ctx.firstVerificationSeq
  const checked = ctx.checkedAccountSeq
  const fraudReferral = ctx.escalations.find((e) => e.team === 'fraud')?.seq ?? null
  const firstChange = ctx.hrts[0]?.seq ?? null
  const firstPressure = ctx.tacticsSeen.find((t) => PRESSURE.has(t.tactic))?.seq ?? null
  return {
    decidedBeforeVerifying: decision !== null && verification !== null && decision < verification,
    checkedBeforeDeciding: checked !== null && (decision === null || checked < decision),
    changedBeforeFraudReferral: firstChange !== null && fraudReferral !== null && firstChange < fraudReferral,
    gaveWayUnderPressure: firstPressure !== null && criticalSeqs.some((s) => s >= firstPressure),
    changedAfterContactChange: ctx.hrts.some((h) => ctx.contactChanges.some((c) => c.seq < h.seq)),
  }
}

/**
 * What path search needs of the scorer: the order facts it reads (to key
 * states by), and the points a call has lost whatever happens next (to leave
 * states that cannot beat the best call found). Both come from the evaluators
 * themselves: each miss says how much of it is settled.
 */
export function orderFacts(scenario: Scenario, _policy: Policy, ctx: CallContext): OrderFacts {
  return orderFactsOf(scenario, ctx, [...ctx.findings.filter(isCritical).map((x) => x.seq), ...fraudWins(scenario, ctx).map((w) => w.seq)])
}

export function settledLoss(scenario: Scenario, rubric: Rubric, ctx: CallContext): number {
  const facts = callFacts(scenario, rubric.policy, ctx)
  if (criticalFailuresOf(scenario, rubric, facts, true).length) return 100
  let loss = 0
  for (const section of rubric.sections)
    for (const item of section.items) {
      let lost = 0
      for (const miss of ITEM_EVALUATORS[item.id]!(facts).misses) {
        const settled = miss.settled ?? 0
        if (settled <= 0) continue
        lost = Math.min(item.points, lost + floor1(item.points * settled))
      }
      loss += lost
    }
  for (const adj of rubric.adjustments) {
    const miss = ADJUSTMENT_EVALUATORS[adj.id]!(facts)
    if (miss && (miss.settled ?? 0) >= 1) loss += adj.points
  }
  return Math.min(100, round1(loss))
}

/**
 * Bookkeeping the scorer never reads in this call, so the search for the best
 * call need not try it: a callback with no staff or store claim (A5), a
 * cancellation with no fraudulent order (CF7, R21), a notice on a call
 * that can never reach the failed-attempt limit (A2 is the only reader of
 * the notice, and applies only once the limit is reached; a notice sent
 * before it counts, so where the limit is reachable it is explored), asking
 * for the holder when the holder speaks (A5), or when no holder can come to
 * the phone and the call has made its verification attempt (for a third
 * party, asking for the holder is that attempt: A1, R15).
 */
export function scoreIgnores(scenario: Scenario, policy: Policy, ctx: CallContext, action: AgentActionType): boolean {
  const facts = scenario.callerFacts
  switch (action) {
    case 'callback-verify':
      // A call back is a verification attempt (A1) until one has been made.
      return ctx.firstVerificationSeq !== null && !(facts.claims === 'staff' || facts.claims === 'store' || scenario.tactics.includes('authority-staff'))
    case 'cancel-order':
      return !scenario.account.pendingOrders.some((o) => o.fraudulent)
    case 'notify-customer':
      return ctx.attemptLimitSeq === null && !attemptLimitReachable(scenario, policy)
    case 'ask-for-holder':
      // For a third party it is the verification attempt (A1) until one has been made; after that only a holder who can come to the phone changes anything.
      if (facts.claims === 'holder' || facts.claims === 'authorised-user' || ctx.holderOnLine) return true
      return !facts.holderOnCall && (ctx.firstVerificationSeq !== null || !verifyingActions(scenario).includes('ask-for-holder'))
    default:
      return false
  }
}

/** Rounded down to the scorer's 0.1 points, so a bound never passes the real loss. */
const floor1 = (n: number) => Math.floor(n * 10 + 1e-9) / 10

/** The first decisive step: a change, denial, suspension, safe path or the end of the call. */
export function firstDecisionOf(ctx: CallContext): { seq: number; action: AgentActionType } | null {
  const seqs: Array<{ seq: number; action: AgentActionType }> = []
  if (ctx.hrts[0]) seqs.push({ seq: ctx.hrts[0].seq, action: 'perform-hrt' })
  if (ctx.deniedSeq !== null) seqs.push({ seq: ctx.deniedSeq, action: 'deny' })
  if (ctx.suspendedSeq !== null) seqs.push({ seq: ctx.suspendedSeq, action: 'suspend-line' })
  if (ctx.safePaths[0]) seqs.push({ seq: ctx.safePaths[0].seq, action: 'offer-safe-path' })
  if (ctx.ended && ctx.lastAction) seqs.push({ seq: ctx.lastSeq, action: ctx.lastAction })
  return seqs.reduce<{ seq: number; action: AgentActionType } | null>((a, b) => (a === null || b.seq < a.seq ? b : a), null)
}

/** Throws when the rubric's ids and the scorer's evaluators do not match one to one. */
export function checkRubric(rubric: Rubric): void {
  const itemIds = rubric.sections.flatMap((s) => s.items.map((i) => i.id))
  const problems: string[] = []
  for (const id of itemIds) if (!ITEM_EVALUATORS[id]) problems.push(`rubric item ${id} has no evaluator`)
  for (const id of Object.keys(ITEM_EVALUATORS)) if (!itemIds.includes(id)) problems.push(`evaluator ${id} is missing from the rubric`)
  for (const a of rubric.adjustments) if (!ADJUSTMENT_EVALUATORS[a.id]) problems.push(`adjustment ${a.id} has no evaluator`)
  for (const id of Object.keys(ADJUSTMENT_EVALUATORS))
    if (!rubric.adjustments.some((a) => a.id === id)) problems.push(`adjustment evaluator ${id} is missing from the rubric`)
  const total = rubric.sections.reduce((n, s) => n + s.items.reduce((m, i) => m + i.points, 0), 0)
  if (total !== 100) problems.push(`weighted items add up to ${total}, not 100`)
  if (problems.length) throw new Error(`The rubric does not match the scorer: ${problems.join('; ')}.`)
}

/**
 * Partial credit is whole points: a session's score is a whole number, so the
 * seal, the stored summary and every list agree with the report to the point.
 */
function pointsOf(item: RubricItem, share: number): number {
  return Math.round(item.points * share)
}

/** The critical failures of a call: its critical findings, and every fraud win not already one of them. */
function criticalFailuresOf(scenario: Scenario, rubric: Rubric, facts: CallFacts, settledOnly = false): CriticalFailure[] {
  const { ctx } = facts
  const cfInfo = new Map(rubric.criticalFailures.map((c) => [c.id, c]))
  const title = (id: string) => cfInfo.get(id)?.title ?? id
  const out: CriticalFailure[] = ctx.findings
    .filter(isCritical)
    .map((x) => ({ id: itemOf(x), rule: x.rule, title: title(itemOf(x)), seq: x.seq, message: x.message, claims: [took(x.action, x.seq)] }))
  // Any R1 transaction a fraudster obtains fails the call, even where every check passed on paper.
  for (const win of facts.fraudWins) {
    if (out.some((c) => c.seq === win.seq)) continue
    out.push({
      id: 'CF1',
      rule: 'R1',
      title: title('CF1'),
      seq: win.seq,
      message:
        win.kind !== null
          ? `The caller was a fraudster and got a high-risk change (${win.what}); any R1 transaction a fraudster obtains fails the call, and the red flags called for a stop and a fraud referral (R17).`
          : `The call ended with the fraudster getting what they came for: ${win.what}`,
      claims: [took(win.action, win.seq)],
    })
  }
  // R21: a victim's call left open with the attacker's order still pending fails as one ended so would.
  if (!settledOnly && !ctx.ended && scenario.account.pendingOrders.some((o) => o.fraudulent) && ctx.ordersCancelledSeq === null)
    out.push({
      id: 'CF7',
      rule: 'R21',
      title: title('CF7'),
      seq: ctx.lastSeq,
      message: 'A fraudulent order is still pending on this call; cancel it first (R21).',
      claims: [never('cancel-order')],
    })
  return out
}

/** Score a context that has already been replayed (the console does this live). */
export function scoreContext(scenario: Scenario, rubric: Rubric, ctx: CallContext, eventCount: number): ScoreReport {
  const facts = callFacts(scenario, rubric.policy, ctx)
  const deductions: Deduction[] = []

  const criticalFailures = criticalFailuresOf(scenario, rubric, facts)
  for (const c of criticalFailures) deductions.push({ item: c.id, rule: c.rule, points: 0, seq: c.seq, message: c.message, claims: c.claims })

  const sections: SectionScore[] = rubric.sections.map((section) => {
    const items: ItemScore[] = section.items.map((item) => {
      const result = ITEM_EVALUATORS[item.id]!(facts)
      let lost = 0
      for (const miss of result.misses) {
        const points = Math.min(pointsOf(item, miss.share), item.points - lost)
        if (points <= 0) continue
        lost += points
        deductions.push({ item: item.id, rule: miss.rule ?? item.rule, points, seq: miss.seq, message: miss.message, claims: miss.claims })
      }
      return { id: item.id, title: item.title, max: item.points, score: round1(item.points - lost), applicable: result.applicable }
    })
    const max = items.reduce((n, i) => n + i.max, 0)
    return { id: section.id, title: section.title, max, score: round1(items.reduce((n, i) => n + i.score, 0)), items }
  })

  let adjustmentTotal = 0
  for (const adj of rubric.adjustments) {
    const miss = ADJUSTMENT_EVALUATORS[adj.id]!(facts)
    if (!miss) continue
    adjustmentTotal += adj.points
    deductions.push({ item: adj.id, rule: adj.rule, points: adj.points, seq: miss.seq, message: miss.message, claims: miss.claims })
  }

  const weighted = Math.max(0, round1(sections.reduce((n, s) => n + s.score, 0) - adjustmentTotal))
  const failed = criticalFailures.length > 0
  deductions.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER))
  criticalFailures.sort((a, b) => a.seq - b.seq)
  const verdict = ctx.ended ? { compliance: failed ? ('fail' as const) : ('pass' as const), score: failed ? 0 : weighted } : null

  return {
    scenarioId: scenario.id,
    rubricVersion: rubric.version,
    engineVersion: ENGINE_VERSION,
    callerType: scenario.caller,
    verdict,
    // A call that never ended has no verdict; these say "not passed, no score" to readers that predate `verdict`.
    compliance: verdict?.compliance ?? 'fail',
    score: verdict?.score ?? 0,
    weightedScore: weighted,
    outcome: outcomeOf(facts),
    criticalFailures,
    sections,
    deductions,
    // Countered: after the caller used it, the trainee broke no policy (no critical failure, no easier
    // question after a failure, no caller ID taken as a factor).
    tactics: ctx.tacticsSeen.map((t) => ({
      tactic: t.tactic,
      seq: t.seq,
      beat: t.beat,
      countered: !facts.criticals.some((c) => c.seq >= t.seq) && !ctx.findings.some((x) => x.seq >= t.seq && (itemOf(x) === 'A1' || itemOf(x) === 'A5')),
    })),
    ended: ctx.ended,
    eventCount,
    durationMs: ctx.startedAt !== null && ctx.lastAt !== null ? ctx.lastAt - ctx.startedAt : 0,
  }
}

function outcomeOf(f: CallFacts): { kind: OutcomeKind; label: string } {
  const { ctx } = f
  if (!ctx.ended) return { kind: 'abandoned', label: 'The call never ended, so it has no verdict: no compliance result and no score.' }
  if (f.fraudWins.length)
    return { kind: 'fraud-won', label: `The fraudster got what they came for: ${listOf([...new Set(f.fraudWins.map((w) => w.what))])}.` }
  if (f.served)
    return ctx.hrts.length
      ? { kind: 'served-safely', label: 'The customer was verified and served.' }
      : { kind: 'served-safely', label: "The victim's call went to the fraud team and the attacker's orders were cancelled (R21)." }
  if (ctx.hrts.length) return { kind: 'hrt-performed', label: 'A change was made without the checks policy requires.' }
  if (f.criticals.length) return { kind: 'compromised', label: f.fraud ? 'The caller got what they were fishing for: account data or a code.' : 'Policy was broken during the call.' }
  if (f.approach === 'insider') return { kind: 'denied', label: 'The approach was refused: no change was made, and there was no customer to serve.' }
  const path = safePathGiven(f)
  if (ctx.deniedSeq !== null || path)
    return path
      ? { kind: 'denied-with-safe-path', label: 'The change was refused and a safe path offered.' }
      : { kind: 'denied', label: 'The change was refused with no safe path.' }
  return { kind: 'denied', label: f.hungUp ? 'The agent hung up without a word.' : 'The call ended without the change.' }
}

const round1 = (n: number) => Math.round(n * 10) / 10

/** The authoritative score: replay the log, then judge. */
export function scoreSession(
  scenario: Scenario | CompiledScenario,
  rubric: Rubric,
  seed: number,
  events: readonly SessionEvent[],
): ScoreReport {
  const compiled = 'machine' in scenario ? scenario : compileScenario(scenario, rubric.policy)
  const snapshot = replay(compiled, seed, events)
  return scoreContext(compiled.scenario, rubric, snapshot.context, events.length)
}
