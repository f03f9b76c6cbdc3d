import { replay, type CallSnapshot, type CompiledScenario } from '../engine/compile'
import type { Rubric } from '../scoring/rubric'
import type { ScoreReport } from '../scoring/report'
import { consoleView, type ConsoleView } from '../session/consoleView'
import { describeAction } from '../session/describe'
import type { AgentAction, SessionEvent } from '../session/events'
import type { SessionInfo } from './contract'
import type { Agreement, CalibrationItem, Dispute, ItemGrade, Judgement, ReviewAction, ReviewEvent, ReviewScores, ReviewStateName, ReviewStep, Role } from './review'

/**
 * The review of one session as a pure fold over its review events: its
 * state, the automatic and human scores side by side, the disputes and their
 * rulings. Main and the renderer's test backend both use it, so the rules of
 * review live once. Review events never touch the trainee's events or report:
 * the automatic figures here are always the scorer's.
 */

/** A critical failure graded as an item: 0 when it stands, this when waived. */
export const CRITICAL_ITEM_MAX = 100

export interface GradableItem {
  id: string
  title: string
  max: number
  critical: boolean
  /** Adjustments subtract what they lose; weighted items add what they keep. */
  kind: 'weighted' | 'adjustment' | 'critical'
}

/** Every item a grader can score, in rubric order: weighted items, adjustments, critical failures. */
export function gradableItems(rubric: Rubric): GradableItem[] {
  return [
    ...rubric.sections.flatMap((s) => s.items.map((i) => ({ id: i.id, title: i.title, max: i.points, critical: false, kind: 'weighted' as const }))),
    ...rubric.adjustments.map((a) => ({ id: a.id, title: a.title, max: a.points, critical: false, kind: 'adjustment' as const })),
    ...rubric.criticalFailures.map((c) => ({ id: c.id, title: c.title, max: CRITICAL_ITEM_MAX, critical: true, kind: 'critical' as const })),
  ]
}

/** The scorer's score for each gradable item, as points kept (a critical failure that occurred keeps 0). */
export function automaticItemScores(rubric: Rubric, report: ScoreReport): Map<string, number> {
  const scores = new Map<string, number>()
  for (const section of report.sections) for (const item of section.items) scores.set(item.id, item.score)
  for (const adj of rubric.adjustments) {
    const lost = report.deductions.filter((d) => d.item === adj.id).reduce((n, d) => n + d.points, 0)
    scores.set(adj.id, Math.max(0, adj.points - lost))
  }
  for (const cf of rubric.criticalFailures) scores.set(cf.id, report.criticalFailures.some((c) => c.id === cf.id) ? 0 : CRITICAL_ITEM_MAX)
  return scores
}

const round1 = (n: number) => Math.round(n * 10) / 10

/** Total and compliance of a set of item scores, by the scorer's own arithmetic (weighted minus adjustments, 0 on a standing critical failure). */
export function totalOf(items: readonly GradableItem[], scores: ReadonlyMap<string, number>): { score: number; compliance: 'pass' | 'fail' } {
  let weighted = 0
  let failed = false
  for (const item of items) {
    const s = scores.get(item.id) ?? item.max
    if (item.kind === 'weighted') weighted += s
    else if (item.kind === 'adjustment') weighted -= item.max - s
    else if (s < item.max) failed = true
  }
  const total = Math.min(100, Math.max(0, round1(weighted)))
  return { score: failed ? 0 : total, compliance: failed ? 'fail' : 'pass' }
}

export class ReviewRuleError extends Error {}

/** Who may do what, and when: the answer is a sentence saying why not, or null. */
export function refusalOfAction(events: readonly ReviewEvent[], action: ReviewAction, role: Role, items: readonly GradableItem[], deducted: ReadonlySet<string>): string | null {
  const state = reviewState(events, true)
  const trainee = action.type === 'acknowledge' || action.type === 'dispute'
  if (trainee && role !== 'trainee') return 'Only the trainee acknowledges or disputes a published review.'
  if (!trainee && role !== 'supervisor') return 'This needs supervisor mode.'
  const known = (id: string) => items.find((i) => i.id === id)
  switch (action.type) {
    case 'comment':
    case 'blind-grade':
      if (action.type === 'blind-grade') {
        for (const [id, score] of Object.entries(action.items)) {
          const item = known(id)
          if (!item) return `“${id}” is not an item of this rubric.`
          if (score > item.max) return `${id} is out of ${item.max}; ${score} is more than that.`
        }
      }
      return null
    case 'override': {
      const item = known(action.item)
      if (!item) return `“${action.item}” is not an item of this rubric.`
      if (action.score > item.max) return `${action.item} is out of ${item.max}; ${action.score} is more than that.`
      if (item.critical && action.score !== 0 && action.score !== item.max) return `A critical failure stands (0) or is waived (${item.max}).`
      if (state !== 'none' && state !== 'awaiting-review' && state !== 'in-review') return 'The review is signed off: scores can change only by ruling on a dispute.'
      return null
    }
    case 'sign-off':
      if (state !== 'none' && state !== 'awaiting-review' && state !== 'in-review') return 'The review is already signed off.'
      return null
    case 'publish':
      if (state === 'none' || state === 'awaiting-review' || state === 'in-review') return 'Sign the review off before publishing it.'
      if (state !== 'signed-off') return 'The review is already published.'
      return null
    case 'acknowledge':
      if (state !== 'published' && state !== 'resolved') return state === 'disputed' ? 'A dispute is awaiting a ruling.' : 'There is no published review to acknowledge.'
      return null
    case 'dispute': {
      if (state !== 'published' && state !== 'resolved' && state !== 'disputed') return 'Only a published review can be disputed.'
      if (!known(action.item)) return `“${action.item}” is not an item of this rubric.`
      if (!deducted.has(action.item)) return `${action.item} cost no points on this call: there is nothing to dispute.`
      if (disputesOf(events).some((d) => d.item === action.item)) return `${action.item} has already been disputed.`
      return null
    }
    case 'rule': {
      const open = disputesOf(events).find((d) => d.item === action.item && d.ruling === null)
      if (!open) return `There is no open dispute of ${action.item}.`
      const item = known(action.item)!
      if (action.score !== undefined && action.score > item.max) return `${action.item} is out of ${item.max}; ${action.score} is more than that.`
      if (action.decision === 'upheld' && action.score !== undefined) return 'Upholding a deduction keeps its score; give a score only when overturning it.'
      return null
    }
  }
}

export function disputesOf(events: readonly ReviewEvent[]): Dispute[] {
  const disputes: Dispute[] = []
  for (const e of events) {
    if (e.type === 'dispute') disputes.push({ item: e.item, reason: e.reason, at: e.at, ruling: null })
    if (e.type === 'rule') {
      const d = disputes.find((x) => x.item === e.item && x.ruling === null)
      if (d) d.ruling = { decision: e.decision, score: e.score ?? null, reason: e.reason, at: e.at, by: e.actor.name }
    }
  }
  return disputes
}

/**
 * Where the review stands. `reviewable`: a sealed assessment with a verdict
 * (it enters the queue); otherwise a session with no review events is 'none'.
 */
export function reviewState(events: readonly ReviewEvent[], reviewable: boolean): ReviewStateName {
  const types = new Set(events.map((e) => e.type))
  const disputes = disputesOf(events)
  if (disputes.some((d) => d.ruling === null)) return 'disputed'
  if (disputes.length) return 'resolved'
  if (types.has('acknowledge')) return 'acknowledged'
  if (types.has('publish')) return 'published'
  if (types.has('sign-off')) return 'signed-off'
  if (types.has('comment') || types.has('override')) return 'in-review'
  return reviewable ? 'awaiting-review' : 'none'
}

/** The automatic and human scores side by side, after every override and ruling. */
export function reviewScores(rubric: Rubric, report: ScoreReport, events: readonly ReviewEvent[]): ReviewScores {
  const items = gradableItems(rubric)
  const auto = automaticItemScores(rubric, report)
  const human = new Map<string, { score: number; reason: string }>()
  for (const e of events) {
    if (e.type === 'override') human.set(e.item, { score: e.score, reason: e.reason })
    if (e.type === 'rule' && e.decision === 'overturned') {
      const item = items.find((i) => i.id === e.item)
      human.set(e.item, { score: e.score ?? item?.max ?? 0, reason: e.reason })
    }
    if (e.type === 'rule' && e.decision === 'upheld') {
      const kept = human.get(e.item)
      human.set(e.item, { score: kept?.score ?? auto.get(e.item) ?? 0, reason: e.reason })
    }
  }
  const signedOff = events.some((e) => e.type === 'sign-off')
  const grades: ItemGrade[] = items.map((item) => {
    const h = human.get(item.id)
    return {
      id: item.id,
      title: item.title,
      max: item.max,
      auto: auto.get(item.id) ?? item.max,
      human: h?.score ?? null,
      counts: h && signedOff ? 'supervisor' : 'automatic',
      reason: h?.reason ?? null,
    }
  })
  const autoTotal = { score: report.score, compliance: report.compliance }
  const humanScores = new Map(grades.map((g) => [g.id, g.human ?? g.auto]))
  const humanTotal = human.size ? totalOf(items, humanScores) : null
  const supervisorCounts = signedOff && humanTotal !== null
  return {
    items: grades,
    auto: autoTotal.score,
    human: humanTotal?.score ?? null,
    counting: supervisorCounts ? humanTotal.score : autoTotal.score,
    countingSource: supervisorCounts ? 'supervisor' : 'automatic',
    autoCompliance: autoTotal.compliance,
    compliance: supervisorCounts ? humanTotal.compliance : autoTotal.compliance,
  }
}

/** Items whose score the report lowered: the ones a trainee may dispute. */
export function deductedItems(rubric: Rubric, report: ScoreReport): Set<string> {
  const auto = automaticItemScores(rubric, report)
  return new Set(gradableItems(rubric).filter((i) => (auto.get(i.id) ?? i.max) < i.max).map((i) => i.id))
}

/** What a trainee may see of a thread: nothing before publication, never a blind grade. */
export function visibleTo(role: Role, events: readonly ReviewEvent[]): ReviewEvent[] {
  if (role === 'supervisor') return [...events]
  if (!events.some((e) => e.type === 'publish')) return []
  return events.filter((e) => e.type !== 'blind-grade')
}

// ---------------------------------------------------------------------------
// Calibration

/** Difference of two scores of an item, in percent of its maximum. */
function percentApart(a: number, b: number, max: number): number {
  return max === 0 ? 0 : round1((Math.abs(a - b) / max) * 100)
}

/** Each grader's latest blind grade of a session. */
export function blindGrades(events: readonly ReviewEvent[]): Map<string, Record<string, number>> {
  const grades = new Map<string, Record<string, number>>()
  for (const e of events) if (e.type === 'blind-grade') grades.set(e.actor.name, { ...e.items })
  return grades
}

export function calibrationItems(items: readonly GradableItem[], auto: ReadonlyMap<string, number>, grades: ReadonlyMap<string, Record<string, number>>, threshold: number): CalibrationItem[] {
  return items.map((item) => {
    const given: Record<string, number> = {}
    for (const [grader, g] of grades) if (g[item.id] !== undefined) given[grader] = g[item.id]!
    const values = Object.values(given)
    const a = auto.get(item.id) ?? item.max
    const humanSpread = values.length >= 2 ? percentApart(Math.max(...values), Math.min(...values), item.max) : null
    const autoSpread = values.length ? Math.max(...values.map((v) => percentApart(v, a, item.max))) : null
    return { id: item.id, title: item.title, max: item.max, auto: a, grades: given, humanSpread, autoSpread, flagged: (humanSpread ?? 0) > threshold || (autoSpread ?? 0) > threshold }
  })
}

/** Agreement over pairs: each a pair of scores of one item (or total) and its maximum. */
export class AgreementCounter {
  private hh = { within: 0, pairs: 0 }
  private ha = { within: 0, pairs: 0 }

  constructor(private readonly threshold: number) {}

  add(max: number, auto: number, humans: readonly number[]): void {
    for (let i = 0; i < humans.length; i++) {
      this.ha.pairs++
      if (percentApart(humans[i]!, auto, max) <= this.threshold) this.ha.within++
      for (let j = i + 1; j < humans.length; j++) {
        this.hh.pairs++
        if (percentApart(humans[i]!, humans[j]!, max) <= this.threshold) this.hh.within++
      }
    }
  }

  result(): Agreement {
    return {
      humanHuman: this.hh.pairs ? Math.round((this.hh.within / this.hh.pairs) * 1000) / 1000 : null,
      humanAuto: this.ha.pairs ? Math.round((this.ha.within / this.ha.pairs) * 1000) / 1000 : null,
      pairs: this.hh.pairs + this.ha.pairs,
    }
  }
}

// ---------------------------------------------------------------------------
// Replay for review: the call step by step, as the trainee had it

/** The decisions of a call with their times, the lines that followed each, and the scorer's judgements at each. */
export function reviewSteps(
  compiled: CompiledScenario,
  info: Pick<SessionInfo, 'seed' | 'mode' | 'startedAt'>,
  events: readonly SessionEvent[],
  report: ScoreReport | null,
  firstBadSeq: number | null,
): ReviewStep[] {
  const snapshot = replay(compiled, info.seed, events)
  // Lines as the trainee's console showed them: assessment mode never showed the policy coach's lines.
  const lines = snapshot.context.transcript.filter((l) => info.mode === 'practice' || l.speaker !== 'policy')
  const steps: ReviewStep[] = []
  let previousAt = info.startedAt
  for (const event of events) {
    const judgements: Judgement[] = []
    if (report) {
      for (const c of report.criticalFailures) if (c.seq === event.seq) judgements.push({ item: c.id, rule: c.rule, points: null, critical: true, message: c.message })
      for (const d of report.deductions)
        if (d.seq === event.seq && !report.criticalFailures.some((c) => c.id === d.item && c.seq === d.seq))
          judgements.push({ item: d.item, rule: d.rule, points: d.points, critical: false, message: d.message })
    }
    const { seq: _seq, at: _at, ...action } = event
    steps.push({
      seq: event.seq,
      event,
      decision: describeAction(action as AgentAction, compiled.scenario),
      linesAfter: lines.filter((l) => l.seq === event.seq).map((l) => ({ seq: l.seq, speaker: l.speaker, text: l.text })),
      atMs: Math.max(0, event.at - info.startedAt),
      tookMs: Math.max(0, event.at - previousAt),
      judgements,
      tampered: firstBadSeq !== null && event.seq >= firstBadSeq,
    })
    previousAt = event.at
  }
  return steps
}

/** The console exactly as the trainee saw it after `step` decisions (0: as the call opened). */
export function viewAtStep(compiled: CompiledScenario, info: Pick<SessionInfo, 'seed' | 'mode'>, events: readonly SessionEvent[], step: number): ConsoleView {
  const upTo = events.slice(0, Math.min(step, events.length))
  return viewAfter(compiled, info.mode, events, step, replay(compiled, info.seed, upTo))
}

/** The same, from the machine's snapshot after those `step` decisions (a caller keeping snapshots skips the replay). */
export function viewAfter(compiled: CompiledScenario, mode: SessionInfo['mode'], events: readonly SessionEvent[], step: number, snapshot: CallSnapshot): ConsoleView {
  return consoleView({ compiled, snapshot, events: events.slice(0, Math.min(step, events.length)), mode })
}

/** Every note the trainee saved, in full. */
export function notesOf(events: readonly SessionEvent[]): Array<{ seq: number; items: string[]; text: string }> {
  return events.flatMap((e) => (e.type === 'note' ? [{ seq: e.seq, items: [...e.items], text: e.text }] : []))
}
