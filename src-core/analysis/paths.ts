import { createEmptyActor, type AnyActorScope } from 'xstate'
import type { Branch, Condition, Scenario } from '../scenario/schema'
import {
  DISCLOSABLE_FIELDS,
  ESCALATION_TEAMS,
  HRT_KINDS,
  KNOWLEDGE_QUESTIONS,
  NOTE_ITEMS,
  OTP_DESTINATIONS,
  SAFE_PATHS,
  type AgentActionType,
  type HrtKind,
} from '../scenario/vocabulary'
import type { ScoreReport } from '../scoring/report'
import { findingsUnder, hasCriticalFinding, isCritical, itemOf } from '../scoring/findings'
import type { Rubric } from '../scoring/rubric'
import { callFacts, CUSTOMER_PATHS, isServable, scoreContext, scoreSession } from '../scoring/scorer'
import type { AgentAction, SessionEvent } from '../engine/events'
import { TRANSCRIPT_START_AT, TRANSCRIPT_STEP_MS } from '../session/transcript'
import { ENDED_STATE } from '../scenario/schema'
import { branchesFor, branchAt, startCall, type CallSnapshot, type CompiledScenario } from '../engine/compile'
import { choicesAt, hrtBlocked, hrtNeedsHold, isVerified, SIM_MOVING, type CallContext } from '../engine/world'

/**
 * Path analysis: what can happen on a call, found by exploring the compiled
 * machine's REACHABLE STATES breadth-first, never its simple paths (those grow
 * exponentially with every independent check; reachable states do not). The
 * walk is xstate/graph's (`machine.transition` with an inert scope and a
 * serializeState-style key; see traverse for why it is not getAdjacencyMap
 * itself, and paths.test.ts for the cross-check against getShortestPaths).
 *
 * Two snapshots are the same state when they agree on everything the question
 * at hand reads, so the serialization is the heart of it:
 *
 * - `world` states (exploreScenario): the beat, the factors passed, failed
 *   attempts (capped where nothing reads further), PIN guesses used, the R7
 *   limit, the flag, cancelled orders when an order is fraudulent, the `did`
 *   facts conditions ask about, the high-risk transactions done and whether a
 *   critical failure happened. That is everything the world model, the branch
 *   conditions and the critical findings read. Once a call has a critical
 *   failure its transactions and codes leave the key: nothing can undo the
 *   failure, and the narrative after it is still explored.
 * - `score` states (shortestGoodPath): the world state plus the facts the
 *   scorer reads, reduced to what it distinguishes (a customer path offered or
 *   not, empathy said or not, the order of checking, verifying and deciding...).
 *   Failed calls score 0 and are not explored further, nor are calls that have
 *   already lost more points than the search allows (lossLowerBound): most
 *   scenarios allow a perfect call, and looking for one first keeps the search
 *   to a few thousand states.
 *
 * The event alphabet is finite and comes from the scenario (actionAlphabet);
 * exploration then drops parameter values the world treats alike and repeats
 * that can change nothing or only add a mistake already made
 * (explorationActions). States, depth and time are bounded, and every result
 * says whether the bound was hit.
 */

export const DEFAULT_MAX_STATES = 20_000
export const DEFAULT_MAX_DEPTH = 14

export interface ExploreOptions {
  /** States expanded before giving up. */
  maxStates?: number
  /** Longest path (in agent actions) explored. */
  maxDepth?: number
  seed?: number
  /** A clock for the stats (src-core has none of its own). */
  now?: () => number
}

export interface ExplorationStats {
  /** Distinct states found (expanded or not). */
  states: number
  /** States whose successors were explored. */
  expanded: number
  /** Transitions computed. */
  transitions: number
  /** The longest shortest path found. */
  deepest: number
  /** Wall time, when a clock was given. */
  ms: number | null
}

export interface Bound {
  /** False when a cap stopped the exploration: absence of a finding then proves nothing. */
  complete: boolean
  reason?: string
}

export interface ReachedState {
  key: string
  depth: number
  snapshot: CallSnapshot
}

export interface PathTo {
  events: SessionEvent[]
  snapshot: CallSnapshot
}

export interface EndingReached extends PathTo {
  beat: string
  /** The authored outcome; null for the generic end of call. */
  outcome: string | null
}

export interface CriticalPath extends PathTo {
  code: string
  message: string
}

export interface Exploration extends Bound {
  states: ReachedState[]
  stats: ExplorationStats
  /** The shortest path to a state. */
  pathTo(key: string): SessionEvent[]
  /** A shortest path into each ending reached (authored endings and the generic end of call). */
  endings: EndingReached[]
  /** A shortest path to the first occurrence of each critical finding code (policy CFs in the call context). */
  criticalFailures: CriticalPath[]
  /** Every beat entered on some explored path. */
  beatsReached: Set<string>
}

// ---------- the alphabet ----------

/** What a note says in exploration; only its items are scored. */
const NOTE_TEXT = 'Factors, outcome, red flags and referral.'

/**
 * Every action the trainee could take in `beat`, with each enumerated
 * parameter value: the finite alphabet path analysis draws from. High-risk
 * transactions come with notice and hold (the right way), plus the requested
 * one without either (the usual mistake); notes with every item or none.
 */
export function actionAlphabet(scenario: Scenario, beat: string): AgentAction[] {
  const out: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }]
  for (const to of OTP_DESTINATIONS) out.push({ type: 'send-otp', to })
  out.push({ type: 'use-caller-id' }, { type: 'callback-verify' })
  for (const question of KNOWLEDGE_QUESTIONS) out.push({ type: 'ask-knowledge', question })
  for (const field of DISCLOSABLE_FIELDS) out.push({ type: 'confirm-detail', field })
  const seen = new Set<string>()
  for (const choice of choicesAt(scenario, beat)) {
    if (seen.has(choice.id)) continue
    seen.add(choice.id)
    out.push({ type: 'say', choice: choice.id })
  }
  out.push({ type: 'suspend-line' }, { type: 'deny' })
  for (const path of SAFE_PATHS) out.push({ type: 'offer-safe-path', path })
  for (const kind of HRT_KINDS) out.push({ type: 'perform-hrt', kind, notify: true, hold: true })
  out.push({ type: 'perform-hrt', kind: scenario.request.kind, notify: false, hold: false })
  out.push({ type: 'cancel-order' }, { type: 'flag-account' }, { type: 'notify-customer' })
  for (const team of ESCALATION_TEAMS) out.push({ type: 'escalate', team })
  out.push({ type: 'note', items: [...NOTE_ITEMS], text: NOTE_TEXT }, { type: 'note', items: [], text: '' })
  out.push({ type: 'accept-offer' }, { type: 'end-call' })
  return out
}

/** Facts about a scenario that decide which parts of a state matter. Computed once per compiled scenario. */
interface Relevance {
  /** Actions named by `did:` conditions. */
  didActions: Set<AgentActionType>
  failedCap: number
  guessCap: number
  /** Values named by some branch's `with`, per parameter: those must stay distinct. */
  named: { question: Set<string>; field: Set<string>; kind: Set<string>; path: Set<string> }
  trackCancel: boolean
  trackNotified: boolean
  trackCallback: boolean
  servable: boolean
  /** A referral of this customer can never become required (R17), so one is always needless (OUT-needless-escalation). */
  escalationAlwaysNeedless: boolean
}

const relevanceCache = new WeakMap<CompiledScenario, Relevance>()

function relevanceOf(compiled: CompiledScenario): Relevance {
  const hit = relevanceCache.get(compiled)
  if (hit) return hit
  const { scenario, policy } = compiled
  const branches: Branch[] = [...scenario.on, ...Object.values(scenario.beats).flatMap((b) => b.on)]
  const didActions = new Set<AgentActionType>()
  let maxFailedCondition = 0
  const walk = (c: Condition): void => {
    if ('all' in c) c.all.forEach(walk)
    else if ('any' in c) c.any.forEach(walk)
    else if ('not' in c) walk(c.not)
    else if ('did' in c) didActions.add(c.did)
    else if ('failedAttempts' in c) maxFailedCondition = Math.max(maxFailedCondition, c.failedAttempts)
  }
  const named = { question: new Set<string>(), field: new Set<string>(), kind: new Set<string>(), path: new Set<string>() }
  for (const b of branches) {
    if (b.when) walk(b.when)
    if (b.with?.question) named.question.add(b.with.question)
    if (b.with?.field) named.field.add(b.with.field)
    if (b.with?.kind) named.kind.add(b.with.kind)
    if (b.with?.path) named.path.add(b.with.path)
  }
  const guesses = scenario.callerFacts.guesses.pin.length
  const prior = scenario.account.priorFailedAttempts
  const limitReachable = guesses >= policy.failedAttemptsPerCall || prior + guesses >= policy.failedAttemptsPer24h || prior >= policy.failedAttemptsPer24h
  const { account, request, callerFacts } = scenario
  const everyTactic = new Set<string>([
    ...scenario.tactics,
    ...Object.values(scenario.beats).flatMap((b) => b.tactics),
    ...branches.flatMap((b) => b.tactics),
  ])
  const lostDevice = !callerFacts.holds.includes('device') && SIM_MOVING.has(request.kind)
  // Mirrors what makes the scorer require a fraud or legal referral (callFacts), asked of the scenario as a whole.
  const referralPossible =
    limitReachable ||
    (SIM_MOVING.has(request.kind) && account.recentChanges.some((c) => c.daysAgo < policy.recentChangeDays)) ||
    request.kind === 'remove-lock' ||
    account.notes.some((n) => n.binding === 'high-risk' || n.binding === 'vip') ||
    ['third-party-coaching', 'otp-relay', 'authority-police'].some((t) => everyTactic.has(t)) ||
    lostDevice
  const servable = isServable(scenario, policy)
  const relevance: Relevance = {
    didActions,
    // Nothing reads failed attempts beyond the R7 thresholds and the conditions' own numbers.
    failedCap: Math.max(policy.failedAttemptsPerCall, policy.failedAttemptsPer24h, maxFailedCondition, 1),
    guessCap: guesses,
    named,
    trackCancel: scenario.account.pendingOrders.some((o) => o.fraudulent),
    // Notifying is scored only after the R7 limit (A2); the limit needs wrong guesses.
    trackNotified: limitReachable,
    // A callback is scored only on a staff or third-party claim (A5).
    trackCallback: scenario.callerFacts.identity === 'third-party' || scenario.tactics.includes('authority-staff'),
    servable,
    escalationAlwaysNeedless: scenario.caller !== 'fraud' && servable && !referralPossible,
  }
  relevanceCache.set(compiled, relevance)
  return relevance
}


/** Does some branch in this beat (own or global) listen for exactly this event? Then it must be tried. */
function narrativeListens(scenario: Scenario, beat: string, action: AgentAction): boolean {
  const ev = action as unknown as Record<string, unknown>
  return branchesFor(scenario, beat, action.type).some((ref) => {
    const w = branchAt(scenario, ref).with
    return !w || Object.entries(w).every(([k, v]) => v === undefined || ev[k] === v)
  })
}

/** Which parameter values the world model treats alike (and no branch tells apart): one stands for all. */
function representative(action: AgentAction, scenario: Scenario, rel: Relevance): boolean {
  switch (action.type) {
    case 'ask-knowledge': {
      // Every question has the same effect: a non-factor asked. The caller's reply differs, the state does not.
      if (rel.named.question.has(action.question)) return true
      return action.question === KNOWLEDGE_QUESTIONS.find((q) => !rel.named.question.has(q))
    }
    case 'confirm-detail': {
      // The account number is CF6, any other field CF3 (R8, R10).
      if (rel.named.field.has(action.field) || action.field === 'account-number') return true
      return action.field === DISCLOSABLE_FIELDS.find((f) => f !== 'account-number' && !rel.named.field.has(f))
    }
    case 'offer-safe-path': {
      if (rel.named.path.has(action.path) || !CUSTOMER_PATHS.has(action.path)) return true
      return action.path === SAFE_PATHS.find((p) => CUSTOMER_PATHS.has(p) && !rel.named.path.has(p))
    }
    case 'perform-hrt': {
      // Kinds differ by the findings they raise (lock, transfer PIN, SIM-moving, hold) and by being the request.
      if (!action.notify || rel.named.kind.has(action.kind) || action.kind === scenario.request.kind) return true
      const sig = (k: HrtKind) => `${k === 'remove-lock'}${k === 'port-out-pin'}${SIM_MOVING.has(k)}${hrtNeedsHold(k)}`
      return action.kind === HRT_KINDS.find((k) => k !== scenario.request.kind && !rel.named.kind.has(k) && sig(k) === sig(action.kind))
    }
    default:
      return true
  }
}

/** Has this action already been taken in a way that a repeat can change nothing, or only add a mistake already made? */
function spent(action: AgentAction, ctx: CallContext, scenario: Scenario): boolean {
  switch (action.type) {
    case 'check-account':
      return ctx.checkedAccountSeq !== null
    case 'callback-verify':
      return ctx.calledBackSeq !== null
    case 'suspend-line':
      return ctx.suspendedSeq !== null
    case 'flag-account':
      return ctx.flaggedSeq !== null
    case 'notify-customer':
      return ctx.notifiedSeq !== null
    case 'cancel-order':
      return ctx.ordersCancelledSeq !== null
    case 'deny':
      return ctx.deniedSeq !== null
    case 'use-caller-id':
      return ctx.passes.some((p) => p.factor === 'caller-id')
    case 'ask-pin':
      return ctx.did.includes('ask-pin') && (ctx.passes.some((p) => p.factor === 'pin') || ctx.pinGuessesUsed >= scenario.callerFacts.guesses.pin.length)
    case 'ask-knowledge':
      return ctx.knowledgeAsked.length > 0
    case 'confirm-detail':
      // Before verification it is a critical failure (explored); after, it changes nothing.
      return isVerified(ctx)
    case 'escalate':
      return ctx.escalations.some((e) => e.team === action.team)
    case 'offer-safe-path':
      return ctx.safePaths.some((p) => p.path === action.path)
    case 'say':
      return ctx.phrasing.some((p) => p.choice === action.choice)
    case 'note':
      return action.items.length === 0 ? ctx.notes.length > 0 : ctx.notes.some((n) => n.items.length === NOTE_ITEMS.length)
    case 'perform-hrt':
      return ctx.hrts.some((h) => h.kind === action.kind)
    case 'accept-offer':
      return ctx.did.includes('accept-offer')
    default:
      return false
  }
}

/** Actions whose only effects are bookkeeping that world states ignore (unless a branch or condition reads them). */
const WORLD_NEUTRAL: ReadonlySet<AgentActionType> = new Set([
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

export type StateView = 'world' | 'score'

interface BeatAction {
  action: AgentAction
  /** A branch in this beat (own or global) listens for exactly this event: always try it. */
  listened: boolean
  /** What the world model sees of it, for world states: false when only bookkeeping no one reads changes. */
  worldRelevant: boolean
  /** False for bookkeeping the scorer does not read in this scenario (a callback with no staff claim...). */
  scoreRelevant: boolean
  /** For caching outcomes per world state. */
  signature: string
}

const beatActionCache = new WeakMap<CompiledScenario, Map<string, BeatAction[]>>()

/** The alphabet of a beat, less parameter values the world treats alike; static per beat, so cached. */
function beatActions(compiled: CompiledScenario, beat: string): BeatAction[] {
  let perBeat = beatActionCache.get(compiled)
  if (!perBeat) {
    perBeat = new Map()
    beatActionCache.set(compiled, perBeat)
  }
  const hit = perBeat.get(beat)
  if (hit) return hit
  const { scenario } = compiled
  const rel = relevanceOf(compiled)
  const list = actionAlphabet(scenario, beat)
    .filter((action) => representative(action, scenario, rel))
    .map((action): BeatAction => {
      const listened = narrativeListens(scenario, beat, action)
      let worldRelevant = listened || rel.didActions.has(action.type) || !WORLD_NEUTRAL.has(action.type)
      if (!listened && action.type === 'say') {
        // Only a phrasing that discloses or hints changes the world (CF3).
        const choice = choicesAt(scenario, beat).find((c) => c.id === action.choice)
        worldRelevant = Boolean(choice?.tags.some((t) => t === 'discloses' || t === 'pin-hint')) || rel.didActions.has('say')
      }
      const unscored =
        (action.type === 'callback-verify' && !rel.trackCallback) ||
        (action.type === 'cancel-order' && !rel.trackCancel) ||
        (action.type === 'notify-customer' && !rel.trackNotified)
      const scoreRelevant = listened || rel.didActions.has(action.type) || !unscored
      return { action, listened, worldRelevant, scoreRelevant, signature: JSON.stringify(action) }
    })
  perBeat.set(beat, list)
  return list
}

/**
 * The actions exploration tries from a state: the alphabet, less parameter
 * values the world treats alike, less spent repeats, and (for world states)
 * less bookkeeping no branch or condition reads. Anything a branch listens for
 * in the current beat is always tried.
 */
export function explorationActions(compiled: CompiledScenario, ctx: CallContext, view: StateView = 'score'): AgentAction[] {
  return explorationChoices(compiled, ctx, view).map((b) => b.action)
}

function explorationChoices(compiled: CompiledScenario, ctx: CallContext, view: StateView): BeatAction[] {
  return beatActions(compiled, ctx.beat).filter((b) => {
    if (b.listened) return true
    if (spent(b.action, ctx, compiled.scenario)) return false
    return view === 'score' ? b.scoreRelevant : b.worldRelevant
  })
}

// ---------- state keys ----------

const hasCritical = hasCriticalFinding
const countOf = (ctx: CallContext, item: string, cap: number) => Math.min(cap, findingsUnder(ctx, item).length)
const bit = (b: boolean) => (b ? '1' : '0')
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort().join(',')

/** The world state: what the world model, branch conditions and critical findings read. */
export function worldKey(compiled: CompiledScenario, ctx: CallContext): string {
  const rel = relevanceOf(compiled)
  const passes = sorted(ctx.passes.map((p) => `${p.factor}${p.valid ? '+' : '-'}`))
  const did = sorted(ctx.did.filter((a) => rel.didActions.has(a)))
  const head = [
    ctx.beat,
    passes,
    Math.min(ctx.failedAttempts, rel.failedCap),
    Math.min(ctx.pinGuessesUsed, rel.guessCap),
    bit(ctx.attemptLimitSeq !== null),
    bit(ctx.flaggedSeq !== null),
    rel.trackCancel ? bit(ctx.ordersCancelledSeq !== null) : '',
    did,
  ].join('|')
  return hasCritical(ctx) ? `${head}|failed` : `${head}|${sorted(ctx.hrts.map((h) => h.kind))}`
}

/** Tactics the scorer reads (pressure, R17 triggers, police claims); the others never change a score. */
const SCORED_TACTICS: ReadonlySet<string> = new Set([
  'urgency',
  'intimidation',
  'sympathy',
  'authority-staff',
  'authority-police',
  'third-party-coaching',
  'otp-relay',
])

/** The scorer's first decisive step (a change, denial, suspension, safe path or the end of the call). */
function firstDecisionSeq(ctx: CallContext): number | null {
  const seqs: number[] = []
  if (ctx.hrts[0]) seqs.push(ctx.hrts[0].seq)
  if (ctx.deniedSeq !== null) seqs.push(ctx.deniedSeq)
  if (ctx.suspendedSeq !== null) seqs.push(ctx.suspendedSeq)
  if (ctx.safePaths[0]) seqs.push(ctx.safePaths[0].seq)
  if (ctx.ended) seqs.push(ctx.lastSeq)
  return seqs.length ? Math.min(...seqs) : null
}

const offeredCache = new WeakMap<CompiledScenario, Map<string, number>>()

/** Which scored phrasing the beats visited offered (D1, D2 judge only what was offered): empathy = 1, explaining = 2. */
function offeredBits(compiled: CompiledScenario, visited: readonly string[]): number {
  let perBeat = offeredCache.get(compiled)
  if (!perBeat) {
    perBeat = new Map()
    offeredCache.set(compiled, perBeat)
  }
  let bits = 0
  for (const beat of visited) {
    let b = perBeat.get(beat)
    if (b === undefined) {
      const tags = new Set(choicesAt(compiled.scenario, beat).flatMap((c) => c.tags))
      b = (tags.has('empathy') ? 1 : 0) | (tags.has('explains-why') || tags.has('next-steps') ? 2 : 0)
      perBeat.set(beat, b)
    }
    bits |= b
  }
  return bits
}

/**
 * The score state: the world state plus what the scorer distinguishes, reduced
 * to what it tells apart (any customer path, empathy said or not, the order of
 * checking, verifying and deciding). Kept in step with
 * src-core/scoring/scorer.ts; paths.test.ts checks that calls with the same
 * key score alike after any common continuation.
 */
export function scoreKey(compiled: CompiledScenario, ctx: CallContext): string {
  const rel = relevanceOf(compiled)
  const fv = ctx.firstVerificationSeq
  const fd = firstDecisionSeq(ctx)
  const checked = ctx.checkedAccountSeq
  // A1 and A3 judge order: verified before deciding, checked before deciding.
  const a1 = fv === null ? (fd === null ? 'n' : 'd') : fd !== null && fd < fv ? 'dv' : 'v'
  const a3 = checked === null ? (fd === null ? 'n' : 'dn') : fd !== null && fd < checked ? 'late' : 'ok'
  const fraudEsc = ctx.escalations.find((e) => e.team === 'fraud')
  const hrtFirst = ctx.hrts[0]
  const tags = new Set(ctx.phrasing.flatMap((p) => p.tags))
  const noteItems = new Set(ctx.notes.flatMap((n) => n.items))
  const tactics = ctx.tacticsSeen.filter((t) => SCORED_TACTICS.has(t.tactic) && !compiled.scenario.tactics.includes(t.tactic)).map((t) => t.tactic)
  return [
    worldKey(compiled, ctx),
    a1,
    a3,
    countOf(ctx, 'A1', 3),
    countOf(ctx, 'A4', 2),
    countOf(ctx, 'A5', 1),
    rel.trackNotified ? bit(ctx.notifiedSeq !== null) : '',
    rel.trackCallback ? bit(ctx.calledBackSeq !== null) : '',
    sorted(ctx.escalations.map((e) => e.team)),
    bit(hrtFirst !== undefined && (fraudEsc === undefined || hrtFirst.seq < fraudEsc.seq)),
    bit(ctx.safePaths.some((p) => CUSTOMER_PATHS.has(p.path))),
    bit(ctx.safePaths.some((p) => p.path === 'lock-enrolment')),
    bit(ctx.suspendedSeq !== null),
    bit(ctx.deniedSeq !== null),
    bit(ctx.knowledgeAsked.some((k) => !k.verified)),
    bit(tags.has('empathy')),
    bit(tags.has('explains-why') || tags.has('next-steps')),
    bit(tags.has('accusatory')),
    bit(tags.has('unprofessional') || tags.has('retention-pressure')),
    bit(tags.has('retention-pressure')),
    offeredBits(compiled, ctx.visited),
    bit(ctx.notes.length > 0),
    sorted(['factors', 'outcome', 'red-flags', 'referral'].filter((i) => noteItems.has(i as never))),
    sorted(tactics),
  ].join('|')
}

interface RubricPoints {
  item: Map<string, number>
  adjustment: Map<string, number>
}
const pointsCache = new WeakMap<Rubric, RubricPoints>()
function pointsOf(rubric: Rubric): RubricPoints {
  let p = pointsCache.get(rubric)
  if (!p) {
    p = {
      item: new Map(rubric.sections.flatMap((s) => s.items).map((i) => [i.id, i.points])),
      adjustment: new Map(rubric.adjustments.map((a) => [a.id, a.points])),
    }
    pointsCache.set(rubric, p)
  }
  return p
}

/** Rounded down to the scorer's 0.1 points, so the bound never passes the real loss. */
const floor1 = (n: number) => Math.floor(n * 10 + 1e-9) / 10

/**
 * Points the call has lost whatever happens next: a lower bound on the final
 * loss, so the search for the best call can leave a state that cannot beat the
 * best found. Kept in step with the scorer; paths.test.ts checks the bound.
 */
export function lossLowerBound(compiled: CompiledScenario, rubric: Rubric, ctx: CallContext): number {
  if (hasCritical(ctx)) return 100
  const { scenario } = compiled
  const fraud = scenario.caller === 'fraud'
  // The scorer fails a fraud call that got a SIM-moving change or a lock removed, checks or not.
  if (fraud && ctx.hrts.some((h) => SIM_MOVING.has(h.kind) || h.kind === 'remove-lock')) return 100
  const { item, adjustment } = pointsOf(rubric)
  const points = (id: string) => item.get(id) ?? 0
  const fv = ctx.firstVerificationSeq
  const fd = firstDecisionSeq(ctx)
  let loss = 0
  const decidedFirst = fd !== null && (fv === null || fd < fv)
  loss += Math.min(points('A1'), (countOf(ctx, 'A1', 3) + (decidedFirst ? 1 : 0)) * floor1(points('A1') / 3))
  if (fd !== null && (ctx.checkedAccountSeq === null || ctx.checkedAccountSeq > fd)) loss += floor1(points('A3') / 2)
  loss += Math.min(points('A4'), countOf(ctx, 'A4', 2) * floor1(points('A4') / 2))
  if (countOf(ctx, 'A5', 1)) loss += points('A5')
  const hrtFirst = ctx.hrts[0]
  // C1: a change nobody asked for, or the request done for a fraudster, can never be made good.
  if (ctx.hrts.some((h) => h.kind !== scenario.request.kind) || (fraud && hrtFirst)) loss += points('C1')
  if (hrtFirst && callFacts(scenario, compiled.policy, ctx).fraudEscalationRequired) {
    const esc = ctx.escalations.find((e) => e.team === 'fraud')
    if (!esc || hrtFirst.seq < esc.seq) loss += floor1(points('B2') / 2)
  }
  const rel = relevanceOf(compiled)
  // A customer who could be served, but whose changes are now blocked (flag, R7 limit) before the change was made, never will be.
  if (rel.servable && !ctx.hrts.some((h) => h.kind === scenario.request.kind) && hrtBlocked(ctx, scenario.account, compiled.policy)) loss += points('C1')
  if (rel.escalationAlwaysNeedless && ctx.escalations.length) loss += adjustment.get('OUT-needless-escalation') ?? 0
  const tags = new Set(ctx.phrasing.flatMap((p) => p.tags))
  if (tags.has('accusatory')) loss += points('D1')
  if (tags.has('accusatory') || tags.has('unprofessional') || tags.has('retention-pressure')) loss += points('D3')
  if (tags.has('accusatory') && !fraud) loss += adjustment.get('OUT-accusatory-legit') ?? 0
  if (ctx.knowledgeAsked.some((k) => !k.verified)) loss += adjustment.get('OUT-non-factor') ?? 0
  if (tags.has('retention-pressure') && scenario.request.kind === 'port-out-pin') loss += adjustment.get('OUT-retention-pressure') ?? 0
  return Math.min(100, loss)
}

// ---------- traversal ----------

interface TraversalSpec {
  key: (ctx: CallContext) => string
  actions: (ctx: CallContext) => BeatAction[]
  /** False keeps the state as a leaf. */
  expand?: (snapshot: CallSnapshot, key: string) => boolean
  /** Every snapshot the traversal produces, new or not, with the representative it came from. */
  visit?: (snapshot: CallSnapshot, key: string, parentKey: string | null, event: SessionEvent | null, isNew: boolean) => void
  /**
   * Skip an action already seen to lead nowhere of interest (`dead`) from a
   * state with the same `prefix`. Only sound when `dead(next)` depends on
   * nothing but the prefix and the action: critical findings, for instance,
   * depend only on the world state (world.ts).
   */
  skip?: { prefix: (ctx: CallContext) => string; dead: (next: CallContext) => boolean }
}

interface Traversal extends Bound {
  reps: Map<string, ReachedState>
  parents: Map<string, { parent: string; event: SessionEvent } | null>
  stats: ExplorationStats
  pathTo(key: string): SessionEvent[]
  pathVia(parentKey: string | null, event: SessionEvent | null): SessionEvent[]
}

function stamp(action: AgentAction, seq: number): SessionEvent {
  return { ...action, seq, at: TRANSCRIPT_START_AT + seq * TRANSCRIPT_STEP_MS } as SessionEvent
}

/**
 * The same inert actor scope xstate/graph gives `machine.transition`: the
 * machine has no children, timers or side effects to run, so nothing is lost.
 */
function inertScope(): AnyActorScope {
  const self = createEmptyActor()
  return {
    self,
    id: '',
    sessionId: 'path-analysis',
    logger: () => {},
    defer: () => {},
    emit: () => {},
    system: self.system,
    stopChild: () => {},
    actionExecutor: () => {},
  } as AnyActorScope
}

/**
 * Breadth-first over reachable states. This is xstate/graph's getAdjacencyMap
 * walk (same `machine.transition`, same inert scope, a serializeState-style
 * key), with three changes that matter at tens of thousands of transitions:
 * the queue is read by index (getAdjacencyMap uses Array#shift, which turns
 * quadratic once the queue outgrows V8's regular heap objects: 125 µs per
 * transition instead of 12 on the score search), only one snapshot per state
 * is kept (not one per transition), and parents are recorded on discovery, so
 * every state comes with a shortest path. paths.test.ts checks it reaches the
 * same states as getShortestPaths.
 */
function traverse(compiled: CompiledScenario, spec: TraversalSpec, options: ExploreOptions): Traversal {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const seed = options.seed ?? 1
  const started = options.now?.() ?? null
  const machine = compiled.machine
  const scope = inertScope()
  const reps = new Map<string, ReachedState>()
  const parents = new Map<string, { parent: string; event: SessionEvent } | null>()
  const deadEnds = new Map<string, boolean>()
  let expanded = 0
  let transitions = 0
  let deepest = 0
  let statesCut = false
  let depthCut = false

  const initial = startCall(compiled, seed)
  const rootKey = spec.key(initial.context)
  reps.set(rootKey, { key: rootKey, depth: 0, snapshot: initial })
  parents.set(rootKey, null)
  spec.visit?.(initial, rootKey, null, null, true)
  const queue: string[] = [rootKey]

  for (let head = 0; head < queue.length; head++) {
    const key = queue[head]!
    const rep = reps.get(key)!
    const snapshot = rep.snapshot
    if (snapshot.status !== 'active') continue
    if (spec.expand && !spec.expand(snapshot, key)) continue
    if (rep.depth >= maxDepth) {
      depthCut = true
      continue
    }
    if (expanded >= maxStates) {
      statesCut = true
      break
    }
    expanded++
    const ctx = snapshot.context
    const seq = ctx.lastSeq + 1
    const prefix = spec.skip ? spec.skip.prefix(ctx) : ''
    for (const choice of spec.actions(ctx)) {
      const cacheKey = spec.skip ? `${prefix}\n${choice.signature}` : ''
      if (spec.skip && deadEnds.get(cacheKey)) continue
      const event = stamp(choice.action, seq)
      const next = machine.transition(snapshot as never, event as never, scope) as unknown as CallSnapshot
      transitions++
      if (spec.skip) deadEnds.set(cacheKey, spec.skip.dead(next.context))
      const nextKey = spec.key(next.context)
      const isNew = !reps.has(nextKey)
      if (isNew) {
        const depth = rep.depth + 1
        deepest = Math.max(deepest, depth)
        reps.set(nextKey, { key: nextKey, depth, snapshot: next })
        parents.set(nextKey, { parent: key, event })
        queue.push(nextKey)
      }
      spec.visit?.(next, nextKey, key, event, isNew)
    }
  }

  const pathTo = (key: string): SessionEvent[] => {
    const out: SessionEvent[] = []
    for (let at = parents.get(key); at; at = parents.get(at.parent)) out.push(at.event)
    return out.reverse().map((e, i) => {
      const { seq: _seq, at: _at, ...action } = e
      return stamp(action as AgentAction, i + 1)
    })
  }
  const pathVia = (parentKey: string | null, event: SessionEvent | null): SessionEvent[] => {
    const head = parentKey === null ? [] : pathTo(parentKey)
    if (!event) return head
    const { seq: _seq, at: _at, ...action } = event
    return [...head, stamp(action as AgentAction, head.length + 1)]
  }
  const reasons: string[] = []
  if (statesCut) reasons.push(`stopped after ${maxStates.toLocaleString('en-US')} states`)
  if (depthCut) reasons.push(`paths longer than ${maxDepth} actions were not explored`)
  const ended = options.now?.() ?? null
  return {
    reps,
    parents,
    pathTo,
    pathVia,
    complete: reasons.length === 0,
    ...(reasons.length ? { reason: reasons.join('; ') } : {}),
    stats: {
      states: reps.size,
      expanded,
      transitions,
      deepest,
      ms: started !== null && ended !== null ? Math.round((ended - started) * 10) / 10 : null,
    },
  }
}

// ---------- exploration of the world ----------

/**
 * Every reachable world state, with a shortest event path to each, the
 * endings reached and a shortest path to each critical failure.
 */
export function exploreScenario(compiled: CompiledScenario, options: ExploreOptions = {}): Exploration {
  const endings = new Map<string, { parentKey: string | null; event: SessionEvent | null; snapshot: CallSnapshot; outcome: string | null }>()
  const critical = new Map<string, { parentKey: string | null; event: SessionEvent | null; snapshot: CallSnapshot; message: string }>()
  const beatsReached = new Set<string>()
  const t = traverse(
    compiled,
    {
      key: (ctx) => worldKey(compiled, ctx),
      actions: (ctx) => explorationChoices(compiled, ctx, 'world'),
      visit: (snapshot, _key, parentKey, event) => {
        const ctx = snapshot.context
        beatsReached.add(ctx.beat)
        const beat = compiled.scenario.beats[ctx.beat]
        if ((beat?.ending || ctx.beat === ENDED_STATE) && !endings.has(ctx.beat))
          endings.set(ctx.beat, { parentKey, event, snapshot, outcome: beat?.ending?.outcome ?? null })
        for (const f of ctx.findings) {
          if (isCritical(f) && !critical.has(itemOf(f))) critical.set(itemOf(f), { parentKey, event, snapshot, message: f.message })
        }
      },
    },
    options,
  )
  return {
    complete: t.complete,
    ...(t.reason ? { reason: t.reason } : {}),
    states: [...t.reps.values()],
    stats: t.stats,
    pathTo: t.pathTo,
    beatsReached,
    endings: [...endings].map(([beat, e]) => ({ beat, outcome: e.outcome, snapshot: e.snapshot, events: t.pathVia(e.parentKey, e.event) })),
    criticalFailures: [...critical]
      .map(([code, c]) => ({ code, message: c.message, snapshot: c.snapshot, events: t.pathVia(c.parentKey, c.event) }))
      .sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true })),
  }
}

/** The endings reached (authored ones and the generic end of call), each with a shortest path. */
export function endingsReached(from: Exploration | CompiledScenario, options: ExploreOptions = {}): EndingReached[] {
  return ('machine' in from ? exploreScenario(from, options) : from).endings
}

/** A shortest path to each critical failure code that can happen on this call. */
export function pathsToCriticalFailures(compiled: CompiledScenario, options: ExploreOptions = {}): { paths: CriticalPath[] } & Bound {
  const e = exploreScenario(compiled, options)
  return { paths: e.criticalFailures, complete: e.complete, ...(e.reason ? { reason: e.reason } : {}) }
}

/**
 * States where the caller got a high-risk transaction and the call has no
 * critical finding (policy CFs in the call context, not the scorer's
 * fraud-outcome rule). In a fraud scenario each is a hole in the policy model
 * or the scenario's facts: safety property (a).
 */
export function uncaughtTransactions(compiled: CompiledScenario, exploration: Exploration): Array<PathTo & { kinds: HrtKind[] }> {
  return exploration.states
    .filter((s) => s.snapshot.context.hrts.length > 0 && !hasCritical(s.snapshot.context))
    .sort((a, b) => a.depth - b.depth)
    .map((s) => ({ events: exploration.pathTo(s.key), snapshot: s.snapshot, kinds: s.snapshot.context.hrts.map((h) => h.kind) }))
}

// ---------- the best call ----------

export interface GoodPath extends Bound {
  events: SessionEvent[]
  report: ScoreReport
  stats: ExplorationStats
}

export interface GoodPathSearch extends Bound {
  /** The shortest call that ends with compliance pass and the highest score found; null when none was found. */
  best: { events: SessionEvent[]; report: ScoreReport } | null
  stats: ExplorationStats
  /** The largest loss bound searched: the best is proven optimal when its loss is within it and the search was complete. */
  budget: number
}

/**
 * What decides whether one more action costs points, from a call that has lost
 * none: the world state (critical findings, findings after the R7 limit), the
 * order of verifying, checking and deciding (A1, A3), whether anyone, and the
 * fraud team, has been brought in (B2, a needless referral) and the scored
 * tactics heard (which decide whether a referral is due).
 */
function lossPrefix(compiled: CompiledScenario, ctx: CallContext): string {
  const fv = ctx.firstVerificationSeq
  const fd = firstDecisionSeq(ctx)
  const tactics = ctx.tacticsSeen.filter((t) => SCORED_TACTICS.has(t.tactic)).map((t) => t.tactic)
  return [
    worldKey(compiled, ctx),
    fv === null ? 'n' : 'v',
    fd === null ? 'n' : 'd',
    bit(ctx.checkedAccountSeq !== null),
    bit(ctx.escalations.some((e) => e.team === 'fraud')),
    bit(ctx.escalations.length > 0),
    sorted(tactics),
  ].join('|')
}

/** Loss budgets tried in turn: most scenarios allow a perfect call, which the first finds quickly. */
const BUDGETS = [0, 10, 25, 50, 100]

/**
 * The shortest event path that ends the call with compliance pass and the
 * highest score reachable. Searches breadth-first over score states, leaving
 * states that have already lost more than the budget (or no less than the best
 * call found); widens the budget until a call within it is found.
 */
export function searchGoodPath(compiled: CompiledScenario, rubric: Rubric, options: ExploreOptions & { budgets?: number[] } = {}): GoodPathSearch {
  const budgets = options.budgets ?? BUDGETS
  const total: ExplorationStats = { states: 0, expanded: 0, transitions: 0, deepest: 0, ms: null }
  const started = options.now?.() ?? null
  let last: GoodPathSearch | null = null
  for (const budget of budgets) {
    let best: { key: string; parentKey: string | null; event: SessionEvent | null; report: ScoreReport; loss: number } | null = null
    const t = traverse(
      compiled,
      {
        key: (ctx) => scoreKey(compiled, ctx),
        actions: (ctx) => explorationChoices(compiled, ctx, 'score'),
        // A critical finding depends on the world state alone. With no loss allowed, so does any
        // loss (ordering, tone, non-factors, a late fraud referral): see lossPrefix.
        skip:
          budget === 0
            ? { prefix: (ctx) => lossPrefix(compiled, ctx), dead: (next) => lossLowerBound(compiled, rubric, next) > 1e-9 }
            : { prefix: (ctx) => worldKey(compiled, ctx), dead: (next) => hasCritical(next) },
        expand: (snapshot) => {
          const ctx = snapshot.context
          if (hasCritical(ctx)) return false
          const bound = lossLowerBound(compiled, rubric, ctx)
          if (bound > budget + 1e-9) return false
          // Breadth-first: anything found from here on is longer, so it must be strictly better.
          if (best && bound >= best.loss - 1e-9) return false
          return true
        },
        visit: (snapshot, key, parentKey, event, isNew) => {
          if (!isNew || snapshot.status === 'active') return
          const ctx = snapshot.context
          if (hasCritical(ctx)) return
          const report = scoreContext(compiled.scenario, rubric, ctx, ctx.lastSeq)
          if (report.compliance !== 'pass') return
          const loss = 100 - report.score
          if (!best || loss < best.loss - 1e-9) best = { key, parentKey, event, report, loss }
        },
      },
      options,
    )
    total.states += t.stats.states
    total.expanded += t.stats.expanded
    total.transitions += t.stats.transitions
    total.deepest = Math.max(total.deepest, t.stats.deepest)
    const found = best as { parentKey: string | null; event: SessionEvent | null; report: ScoreReport; loss: number } | null
    last = {
      best: found ? { events: plainest(compiled, rubric, options.seed ?? 1, t.pathVia(found.parentKey, found.event), found.report), report: found.report } : null,
      complete: t.complete,
      ...(t.reason ? { reason: t.reason } : {}),
      stats: total,
      budget,
    }
    // Every call that could lose no more than the budget was explored (if the run was complete),
    // so the best found is the best there is. A run cut short still gives the best it saw; a
    // wider budget is tried only when it saw nothing within this one.
    if (found && found.loss <= budget + 1e-9) break
  }
  const ended = options.now?.() ?? null
  total.ms = started !== null && ended !== null ? Math.round((ended - started) * 10) / 10 : null
  return last!
}
/** The shortest good call (see searchGoodPath), or null when no passing call was found. */
export function shortestGoodPath(compiled: CompiledScenario, rubric: Rubric, options: ExploreOptions = {}): GoodPath | null {
  const search = searchGoodPath(compiled, rubric, options)
  if (!search.best) return null
  return {
    events: search.best.events,
    report: search.best.report,
    complete: search.complete,
    ...(search.reason ? { reason: search.reason } : {}),
    stats: search.stats,
  }
}

/**
 * The same call, said as plainly as it scores: the search enumerates notes with
 * every item and changes with notice and hold ticked, so drop each item or
 * option whose absence leaves the report exactly as it was (a port-out PIN
 * needs no hold; a clean call's note needs no red flags).
 */
function plainest(compiled: CompiledScenario, rubric: Rubric, seed: number, events: SessionEvent[], report: ScoreReport): SessionEvent[] {
  const target = JSON.stringify({ score: report.score, compliance: report.compliance, deductions: report.deductions })
  const same = (trial: SessionEvent[]) => {
    const r = scoreSession(compiled, rubric, seed, trial)
    return JSON.stringify({ score: r.score, compliance: r.compliance, deductions: r.deductions }) === target
  }
  let out = [...events]
  for (let i = 0; i < out.length; i++) {
    const event = out[i]!
    const trials: SessionEvent[] =
      event.type === 'note'
        ? event.items.map((item) => ({ ...event, items: event.items.filter((x) => x !== item) }))
        : event.type === 'perform-hrt'
          ? [{ ...event, hold: false }, { ...event, notify: false }]
          : []
    for (const trial of trials) {
      const current = out[i]!
      const candidate: SessionEvent =
        trial.type === 'note' && current.type === 'note'
          ? { ...current, items: current.items.filter((x) => trial.items.includes(x)) }
          : trial.type === 'perform-hrt' && current.type === 'perform-hrt'
            ? { ...current, hold: current.hold && trial.hold, notify: current.notify && trial.notify }
            : current
      const next = out.map((e, j) => (j === i ? candidate : e))
      if (same(next)) out = next
    }
  }
  return out
}
