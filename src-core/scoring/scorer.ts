import { compileScenario, ENGINE_VERSION, replay, type CompiledScenario } from '../engine/compile'
import type { Policy } from '../engine/policy'
import {
  callerIdIsFactor,
  choicesAt,
  SIM_MOVING,
  recentlyChanged,
  type CallContext,
  type Finding,
} from '../engine/world'
import type { Scenario } from '../scenario/schema'
import type { PhrasingTag, SafePath, Tactic } from '../scenario/vocabulary'
import type { SessionEvent } from '../engine/events'
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
 */

/** Facts about a call the evaluators share; computed once per report. */
export interface CallFacts {
  scenario: Scenario
  policy: Policy
  ctx: CallContext
  fraud: boolean
  /** A real customer whose request can be met on this call by following policy. */
  servable: boolean
  served: boolean
  /** R17 says this call must go to the fraud team. */
  fraudEscalationRequired: boolean
  legalEscalationRequired: boolean
  lostDevice: boolean
  pressureTactics: boolean
  /** Seq of the first decisive action (change, denial, suspension, safe path, end). */
  firstDecisionSeq: number | null
  criticalSeqs: number[]
  /** Phrasing tags the trainee could have chosen in the beats they went through. */
  offeredTags: Set<PhrasingTag>
}

/** A missed expectation: `share` of the item's points lost, tied to a step when there is one. */
interface Miss {
  share: number
  /** The rule broken, when more specific than the item's own. */
  rule?: string
  seq: number | null
  message: string
}
type ItemResult = { applicable: boolean; misses: Miss[] }
type ItemEvaluator = (f: CallFacts) => ItemResult
type AdjustmentEvaluator = (f: CallFacts) => Miss | null

const notApplicable: ItemResult = { applicable: false, misses: [] }
const ok = (misses: Miss[] = []): ItemResult => ({ applicable: true, misses })
const findingsOf = (f: CallFacts, item: string): Finding[] => findingsUnder(f.ctx, item)

/** Safe paths that are a way forward for the customer (C1); lock enrolment is protection (C2). */
export const CUSTOMER_PATHS: ReadonlySet<SafePath> = new Set(['store-with-id', 'remote-fallback', 'self-service'])
const PRESSURE: ReadonlySet<Tactic> = new Set(['urgency', 'intimidation', 'sympathy', 'authority-staff', 'authority-police'])

export const ITEM_EVALUATORS: Record<string, ItemEvaluator> = {
  A1: (f) => {
    const misses: Miss[] = findingsOf(f, 'A1').map((x) => ({ share: 1 / 3, rule: x.rule, seq: x.seq, message: x.message }))
    const firstAttempt = f.ctx.firstVerificationSeq
    if (firstAttempt === null) {
      misses.push({
        share: 2 / 3,
        seq: f.firstDecisionSeq,
        message: 'Decided without trying to verify the caller: ask for the PIN and offer a code to the line of record first (R3).',
      })
    } else if (f.firstDecisionSeq !== null && f.firstDecisionSeq < firstAttempt) {
      misses.push({ share: 1 / 3, seq: f.firstDecisionSeq, message: 'Acted before verifying; verification comes first (R3, R4).' })
    }
    return ok(misses)
  },
  A2: (f) => {
    if (f.ctx.attemptLimitSeq === null) return notApplicable
    const limit = f.ctx.attemptLimitSeq
    const misses: Miss[] = []
    if (f.ctx.flaggedSeq === null)
      misses.push({ share: 0.5, seq: limit, message: 'After the failed-attempt limit, flag the account so changes are blocked for 24 hours (R7).' })
    if (f.ctx.notifiedSeq === null)
      misses.push({ share: 0.5, seq: limit, message: 'After the failed-attempt limit, notify the customer on the line and email of record (R7).' })
    return ok(misses)
  },
  A3: (f) => {
    const checked = f.ctx.checkedAccountSeq
    if (checked !== null && (f.firstDecisionSeq === null || checked < f.firstDecisionSeq)) return ok()
    if (checked !== null)
      return ok([{ share: 0.5, seq: f.firstDecisionSeq, message: 'Checked notes, locks and history only after deciding; check them first (R9, R17).' }])
    return ok([{ share: 1, seq: f.firstDecisionSeq, message: 'Never checked notes, locks, recent changes or prior attempts (R9, R17).' }])
  },
  A4: (f) => {
    const misses = findingsOf(f, 'A4').map((x) => ({ share: 0.5, rule: x.rule, seq: x.seq, message: x.message }))
    if (!f.ctx.hrts.length) return notApplicable
    return ok(misses)
  },
  A5: (f) => {
    const misses: Miss[] = findingsOf(f, 'A5').map((x) => ({ share: 1, rule: x.rule, seq: x.seq, message: x.message }))
    const claimsAuthority = f.scenario.callerFacts.identity === 'third-party' || f.scenario.tactics.includes('authority-staff')
    if (claimsAuthority && f.ctx.calledBackSeq === null && !f.ctx.escalations.length)
      misses.push({ share: 0.5, seq: null, message: 'A staff or third-party claim is checked by calling back the known internal number (R15).' })
    return ok(misses)
  },
  B1: (f) => {
    if (!f.fraud) return notApplicable
    const recognised =
      f.ctx.escalations.some((e) => e.team === 'fraud' || e.team === 'legal') ||
      f.ctx.flaggedSeq !== null ||
      f.ctx.notes.some((n) => n.items.includes('red-flags'))
    return ok(recognised ? [] : [{ share: 1, seq: null, message: `Red flags went unrecorded: ${f.scenario.redFlags.join('; ') || 'see the scenario notes'}. Flag, escalate or note them (R17).` }])
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
            ? { share: 0.5, seq: other.seq, message: `Escalated to the ${other.team} team; this call needed the fraud team (R17).` }
            : { share: 1, seq: endSeq, message: 'This call required a referral to the fraud team (R17).' },
        )
      } else {
        const hrt = f.ctx.hrts[0]
        if (hrt && hrt.seq < esc.seq)
          misses.push({ share: 0.5, seq: esc.seq, message: 'Escalated only after making the change; the fraud review comes first (R13, R17).' })
      }
    }
    if (f.legalEscalationRequired && !f.ctx.escalations.some((e) => e.team === 'legal'))
      misses.push({ share: 1, seq: endSeq, message: 'Police requests go to the legal-process team (R15).' })
    if (!f.fraudEscalationRequired && !f.legalEscalationRequired) return notApplicable
    return ok(misses)
  },
  B3: (f) => {
    if (!f.pressureTactics) return notApplicable
    const firstPressure = f.ctx.tacticsSeen.find((t) => PRESSURE.has(t.tactic))
    const gaveWay = firstPressure ? f.criticalSeqs.find((s) => s >= firstPressure.seq) : undefined
    return ok(gaveWay !== undefined ? [{ share: 1, seq: gaveWay, message: 'Gave way to pressure: the policy holds however urgent or upset the caller is (R4).' }] : [])
  },
  C1: (f) => {
    const offered = f.ctx.safePaths.find((p) => CUSTOMER_PATHS.has(p.path))
    const unrequested = f.ctx.hrts.find((h) => h.kind !== f.scenario.request.kind)
    if (unrequested)
      return ok([{ share: 1, rule: 'R1', seq: unrequested.seq, message: 'Made a high-risk change the caller never asked for.' }])
    const requested = f.ctx.hrts.find((h) => h.kind === f.scenario.request.kind)
    if (requested && !f.served)
      return ok([
        {
          share: 1,
          seq: requested.seq,
          message: f.fraud
            ? 'The caller got the change; the right outcome was a denial with a safe path for the real holder (R13, R20).'
            : 'The change was made without the checks policy requires; the safe path was the right answer here (R13).',
        },
      ])
    if (f.servable) {
      return ok(f.served ? [] : [{ share: 1, seq: f.ctx.deniedSeq ?? f.ctx.lastSeq, message: 'The customer could be verified and served on this call, but was not.' }])
    }
    return ok(
      offered
        ? []
        : [
            {
              share: 1,
              seq: f.ctx.deniedSeq ?? f.ctx.lastSeq,
              message: f.fraud
                ? 'A denial must still give the real account holder a safe path: a store with ID, or the remote fallback (R13, R20).'
                : 'Give the customer a concrete safe path and its timeline: a store with ID, or the remote fallback (R13).',
            },
          ],
    )
  },
  C2: (f) => {
    const needsProtection = f.fraud || f.lostDevice || f.ctx.attemptLimitSeq !== null
    if (!needsProtection) return notApplicable
    const offered =
      f.ctx.suspendedSeq !== null || f.ctx.flaggedSeq !== null || f.ctx.safePaths.some((p) => p.path === 'lock-enrolment')
    return ok(offered ? [] : [{ share: 1, seq: null, message: f.lostDevice ? 'Offer to suspend the line or enrol in SIM Protection (R13a, R20).' : 'Protect the account: flag it or offer SIM Protection (R20).' }])
  },
  D1: (f) => {
    const accusatory = f.ctx.phrasing.find((p) => p.tags.includes('accusatory'))
    if (accusatory) return ok([{ share: 1, seq: accusatory.seq, message: 'Accusatory wording; say "for your protection" instead (R20).' }])
    const empathy = f.ctx.phrasing.some((p) => p.tags.includes('empathy'))
    // Only phrasing the trainee was offered can be expected of them.
    if (empathy || !f.offeredTags.has('empathy')) return ok()
    return ok([{ share: 0.4, seq: null, message: "Acknowledge the caller's situation at least once (R20)." }])
  },
  D2: (f) => {
    const explainTags = ['explains-why', 'next-steps'] as const
    if (f.ctx.phrasing.some((p) => explainTags.some((t) => p.tags.includes(t)))) return ok()
    const offered = explainTags.some((t) => f.offeredTags.has(t))
    if (f.ctx.safePaths.length)
      return ok(offered ? [{ share: 0.4, seq: null, message: 'Say why the policy applies, not only what to do next (R20).' }] : [])
    if (f.ctx.deniedSeq !== null) return ok([{ share: 1, seq: f.ctx.deniedSeq, message: 'A denial explains why, and what happens next (R20).' }])
    return offered ? ok([{ share: 0.4, seq: null, message: 'Explain why, and what happens next (R20).' }]) : notApplicable
  },
  D3: (f) => {
    const bad = f.ctx.phrasing.find((p) => p.tags.includes('unprofessional') || p.tags.includes('accusatory') || p.tags.includes('retention-pressure'))
    return ok(bad ? [{ share: 1, seq: bad.seq, message: 'Keep a professional tone (R20).' }] : [])
  },
  E1: (f) => {
    const items = new Set(f.ctx.notes.flatMap((n) => n.items))
    if (!f.ctx.notes.length) return ok([{ share: 1, seq: null, message: 'No note: record the factors used, the outcome, red flags and referrals (R19).' }])
    const misses: Miss[] = []
    if (!items.has('factors')) misses.push({ share: 0.3, seq: null, message: 'The note does not record the factors used (R19).' })
    if (!items.has('outcome')) misses.push({ share: 0.3, seq: null, message: 'The note does not record the outcome (R19).' })
    if (f.fraud && !items.has('red-flags')) misses.push({ share: 0.2, seq: null, message: 'The note does not record the red flags (R19).' })
    if (f.ctx.escalations.length && !items.has('referral')) misses.push({ share: 0.2, seq: null, message: 'The note does not record the referral (R19).' })
    return ok(misses)
  },
}

export const ADJUSTMENT_EVALUATORS: Record<string, AdjustmentEvaluator> = {
  'OUT-false-positive': (f) =>
    f.servable && !f.served && !f.ctx.hrts.length && f.ctx.ended
      ? { share: 1, seq: f.ctx.deniedSeq ?? f.ctx.lastSeq, message: 'False positive: this was the real customer, fully verifiable, and was turned away.' }
      : null,
  'OUT-no-safe-path': (f) =>
    !f.fraud && !f.servable && !f.ctx.hrts.length && !f.ctx.safePaths.some((p) => CUSTOMER_PATHS.has(p.path)) && f.ctx.ended
      ? { share: 1, seq: f.ctx.deniedSeq ?? f.ctx.lastSeq, message: 'A real customer who cannot be verified remotely was left with no way forward.' }
      : null,
  'OUT-accusatory-legit': (f) => {
    const p = f.fraud ? undefined : f.ctx.phrasing.find((x) => x.tags.includes('accusatory'))
    return p ? { share: 1, seq: p.seq, message: 'Accused a legitimate customer of fraud.' } : null
  },
  'OUT-needless-escalation': (f) => {
    if (f.fraud || !f.servable || f.fraudEscalationRequired || f.legalEscalationRequired) return null
    const esc = f.ctx.escalations[0]
    return esc ? { share: 1, seq: esc.seq, message: 'Escalated a verified, low-risk request that policy lets you complete yourself.' } : null
  },
  'OUT-non-factor': (f) => {
    // Asked as if it proved identity: before the caller was verified.
    const q = f.ctx.knowledgeAsked.find((k) => !k.verified)
    return q ? { share: 1, seq: q.seq, message: 'Asked for a non-factor (date of birth, address, SSN...) as if it proved identity (R3).' } : null
  },
  'OUT-retention-pressure': (f) => {
    if (f.scenario.request.kind !== 'port-out-pin') return null
    const p = f.ctx.phrasing.find((x) => x.tags.includes('retention-pressure'))
    return p ? { share: 1, seq: p.seq, message: 'Pressed a verified customer to stay; a port-out is their right (R10).' } : null
  },
}

/** Can a real customer pass two valid factors on this call, and may the request be done on a call at all? */
export function isServable(scenario: Scenario, policy: Policy): boolean {
  if (scenario.caller === 'fraud') return false
  const { account, callerFacts: facts, request } = scenario
  const knowledge = account.pin !== null && facts.knows.includes('pin')
  const possession =
    (facts.holds.includes('device') && !account.lineHijacked) ||
    (facts.holds.includes('email-inbox') && !recentlyChanged(account, 'email', policy)) ||
    callerIdIsFactor(scenario)
  if (!knowledge || !possession) return false
  if (request.kind === 'remove-lock') return false
  if (account.notes.some((n) => n.binding === 'in-person-only') && SIM_MOVING.has(request.kind)) return false
  if (account.priorFailedAttempts >= policy.failedAttemptsPer24h) return false
  return true
}

export function callFacts(scenario: Scenario, policy: Policy, ctx: CallContext): CallFacts {
  const fraud = scenario.caller === 'fraud'
  const { account, callerFacts: facts, request } = scenario
  const criticalSeqs = ctx.findings.filter(isCritical).map((x) => x.seq)
  const requestHrts = ctx.hrts.filter((h) => h.kind === request.kind)
  // Served means served within policy: the change made, and no critical failure anywhere in the call.
  const served = !fraud && criticalSeqs.length === 0 && requestHrts.length > 0
  const lostDevice = !facts.holds.includes('device') && SIM_MOVING.has(request.kind)
  const allTactics = new Set<Tactic>([...scenario.tactics, ...ctx.tacticsSeen.map((t) => t.tactic)])
  const fraudEscalationRequired =
    ctx.attemptLimitSeq !== null ||
    (SIM_MOVING.has(request.kind) && account.recentChanges.some((c) => c.daysAgo < policy.recentChangeDays)) ||
    request.kind === 'remove-lock' ||
    account.notes.some((n) => n.binding === 'high-risk' || n.binding === 'vip') ||
    (fraud && allTactics.has('urgency') && lostDevice && facts.holds.includes('new-sim')) ||
    allTactics.has('third-party-coaching') ||
    allTactics.has('otp-relay') ||
    // R13b: the remote fallback for a lost device needs a fraud-team review.
    (!fraud && lostDevice && ctx.hrts.some((h) => SIM_MOVING.has(h.kind)))
  const decisive = ['perform-hrt', 'deny', 'suspend-line', 'offer-safe-path', 'end-call']
  return {
    scenario,
    policy,
    ctx,
    fraud,
    servable: isServable(scenario, policy),
    served,
    fraudEscalationRequired,
    legalEscalationRequired: allTactics.has('authority-police'),
    lostDevice,
    pressureTactics: [...allTactics].some((t) => PRESSURE.has(t)),
    firstDecisionSeq: firstSeqOf(ctx, decisive),
    criticalSeqs,
    offeredTags: new Set(ctx.visited.flatMap((beat) => choicesAt(scenario, beat).flatMap((c) => c.tags))),
  }
}

function firstSeqOf(ctx: CallContext, types: string[]): number | null {
  const seqs: number[] = []
  if (types.includes('perform-hrt') && ctx.hrts[0]) seqs.push(ctx.hrts[0].seq)
  if (types.includes('deny') && ctx.deniedSeq !== null) seqs.push(ctx.deniedSeq)
  if (types.includes('suspend-line') && ctx.suspendedSeq !== null) seqs.push(ctx.suspendedSeq)
  if (types.includes('offer-safe-path') && ctx.safePaths[0]) seqs.push(ctx.safePaths[0].seq)
  if (types.includes('end-call') && ctx.ended) seqs.push(ctx.lastSeq)
  return seqs.length ? Math.min(...seqs) : null
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

function pointsOf(item: RubricItem, share: number): number {
  return Math.round(item.points * share * 10) / 10
}

/** Score a context that has already been replayed (the console does this live). */
export function scoreContext(scenario: Scenario, rubric: Rubric, ctx: CallContext, eventCount: number): ScoreReport {
  const facts = callFacts(scenario, rubric.policy, ctx)
  const deductions: Deduction[] = []

  const cfInfo = new Map(rubric.criticalFailures.map((c) => [c.id, c]))
  const criticalFailures: CriticalFailure[] = ctx.findings
    .filter(isCritical)
    .map((x) => ({ id: itemOf(x), rule: x.rule, title: cfInfo.get(itemOf(x))?.title ?? itemOf(x), seq: x.seq, message: x.message }))
  // A fraudster who got a SIM-moving change failed the call even where every check passed on paper (R6, R17).
  const fraudWin = facts.fraud ? ctx.hrts.find((h) => SIM_MOVING.has(h.kind) || h.kind === 'remove-lock') : undefined
  if (fraudWin && !criticalFailures.some((c) => c.seq === fraudWin.seq)) {
    criticalFailures.push({
      id: 'CF1',
      rule: 'R17',
      title: cfInfo.get('CF1')?.title ?? 'CF1',
      seq: fraudWin.seq,
      message: 'The caller was a fraudster and got the change: the red flags (R6, R17) called for a stop and a fraud referral.',
    })
  }
  for (const c of criticalFailures) deductions.push({ item: c.id, rule: c.rule, points: 0, seq: c.seq, message: c.message })

  const sections: SectionScore[] = rubric.sections.map((section) => {
    const items: ItemScore[] = section.items.map((item) => {
      const result = ITEM_EVALUATORS[item.id]!(facts)
      let lost = 0
      for (const miss of result.misses) {
        const points = Math.min(pointsOf(item, miss.share), item.points - lost)
        if (points <= 0) continue
        lost += points
        deductions.push({ item: item.id, rule: miss.rule ?? item.rule, points, seq: miss.seq, message: miss.message })
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
    deductions.push({ item: adj.id, rule: adj.rule, points: adj.points, seq: miss.seq, message: miss.message })
  }

  const weighted = Math.max(0, round1(sections.reduce((n, s) => n + s.score, 0) - adjustmentTotal))
  const failed = criticalFailures.length > 0
  deductions.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER))
  criticalFailures.sort((a, b) => a.seq - b.seq)

  return {
    scenarioId: scenario.id,
    rubricVersion: rubric.version,
    engineVersion: ENGINE_VERSION,
    callerType: scenario.caller,
    compliance: failed ? 'fail' : 'pass',
    score: failed ? 0 : weighted,
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
      countered: !ctx.findings.some((x) => x.seq >= t.seq && (isCritical(x) || itemOf(x) === 'A1' || itemOf(x) === 'A5')),
    })),
    ended: ctx.ended,
    eventCount,
    durationMs: ctx.startedAt !== null && ctx.lastAt !== null ? ctx.lastAt - ctx.startedAt : 0,
  }
}

function outcomeOf(f: CallFacts): { kind: OutcomeKind; label: string } {
  const { ctx } = f
  if (!ctx.ended) return { kind: 'abandoned', label: 'The call was not finished.' }
  if (f.served) return { kind: 'served-safely', label: 'The customer was verified and served.' }
  if (ctx.hrts.length) return { kind: 'hrt-performed', label: f.fraud ? 'The fraudster got the change.' : 'A change was made without the checks policy requires.' }
  if (f.criticalSeqs.length) return { kind: 'compromised', label: f.fraud ? 'The caller got what they were fishing for: account data or a code.' : 'Policy was broken during the call.' }
  const path = ctx.safePaths.some((p) => CUSTOMER_PATHS.has(p.path))
  if (ctx.deniedSeq !== null || path)
    return path
      ? { kind: 'denied-with-safe-path', label: 'The change was refused and a safe path offered.' }
      : { kind: 'denied', label: 'The change was refused with no safe path.' }
  return { kind: 'denied', label: 'The call ended without the change.' }
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

