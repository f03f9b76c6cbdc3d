import { createEmptyActor, type AnyActorScope } from 'xstate'
import type { Branch, Condition, Scenario } from '../scenario/schema'
import {
  channelOffers,
  DISCLOSABLE_FIELDS,
  ESCALATION_TEAMS,
  HRT_KINDS,
  ID_CHECK_METHODS,
  KNOWLEDGE_QUESTIONS,
  NOTE_ITEMS,
  OTP_DESTINATIONS,
  SAFE_PATHS,
  type AgentActionType,
} from '../scenario/vocabulary'
import type { ScoreReport } from '../scoring/report'
import { hasCriticalFinding, isCritical, itemOf } from '../scoring/findings'
import type { Rubric } from '../scoring/rubric'
import { orderFacts, scoreContext, scoreIgnores, scoreSession, settledLoss } from '../scoring/scorer'
import type { AgentAction, SessionEvent } from '../engine/events'
import { TRANSCRIPT_START_AT, TRANSCRIPT_STEP_MS } from '../session/transcript'
import { ENDED_STATE } from '../scenario/schema'
import { branchesFor, branchAt, startCall, type CallSnapshot, type CompiledScenario } from '../engine/compile'
import { choicesAt, contextKey, DESTINATION_OF, fraudWins, NARRATIVE_CONTACTS, worldNeutral, type CallContext, type FraudWin } from '../engine/world'

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
 * - `score` states (bestGoodCall): the world state plus the facts the
 *   scorer reads, reduced to what it distinguishes (a customer path offered or
 *   not, empathy said or not, the order of checking, verifying and deciding...).
 *   Failed calls score 0 and are not explored further, nor are calls that have
 *   already lost more points than the search allows (lossLowerBound): most
 *   scenarios allow a perfect call, and looking for one first, most promising
 *   move first, keeps the search to a few hundred states.
 *
 * The event alphabet is finite and comes from the scenario (actionAlphabet);
 * exploration then drops parameter values the world treats alike and repeats
 * that can change nothing or only add a mistake already made
 * (explorationActions). States, depth and time are bounded, and every result
 * says whether the bound was hit.
 */

export const DEFAULT_MAX_STATES = 20_000
export const DEFAULT_MAX_DEPTH = 20

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
 * transactions come with notice and hold (the right way), plus each requested
 * one without either (the usual mistake), each to the target the caller asked
 * for; notes with every item or none.
 */
export function actionAlphabet(scenario: Scenario, beat: string): AgentAction[] {
  const out: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }]
  for (const to of OTP_DESTINATIONS) out.push({ type: 'send-otp', to })
  out.push({ type: 'use-caller-id' }, { type: 'ask-for-holder' }, { type: 'callback-verify' })
  // Only what the channel offers: a photo ID is checked at a store counter alone (R3d).
  if (channelOffers(scenario.channel, 'check-id')) for (const method of ID_CHECK_METHODS) out.push({ type: 'check-id', method })
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
  for (const kind of new Set(scenario.requests.map((r) => r.kind))) out.push({ type: 'perform-hrt', kind, notify: false, hold: false })
  // A QR or SIM sent without a target goes to the contact of record; the console may also send it where the caller asked.
  for (const r of scenario.requests)
    if (r.target !== undefined && DESTINATION_OF[r.kind]) out.push({ type: 'perform-hrt', kind: r.kind, notify: true, hold: true, target: r.target })
  out.push({ type: 'cancel-order' }, { type: 'flag-account' }, { type: 'notify-customer' })
  for (const team of ESCALATION_TEAMS) out.push({ type: 'escalate', team })
  out.push({ type: 'note', items: [...NOTE_ITEMS], text: NOTE_TEXT }, { type: 'note', items: [], text: '' })
  out.push({ type: 'accept-offer' }, { type: 'end-call' })
  return out
}

/** What the scenario's narrative names: computed once per compiled scenario. */
interface Relevance {
  /** Actions named by `did:` conditions: the only ones whose having happened the world reads. */
  didActions: Set<AgentActionType>
  /** Values named by some branch's `with`, per parameter: those must stay distinct. */
  named: { question: Set<string>; field: Set<string>; path: Set<string> }
}

const relevanceCache = new WeakMap<CompiledScenario, Relevance>()

function relevanceOf(compiled: CompiledScenario): Relevance {
  const hit = relevanceCache.get(compiled)
  if (hit) return hit
  const { scenario } = compiled
  const branches: Branch[] = [...scenario.on, ...Object.values(scenario.beats).flatMap((b) => b.on)]
  const didActions = new Set<AgentActionType>()
  const walk = (c: Condition): void => {
    if ('all' in c) c.all.forEach(walk)
    else if ('any' in c) c.any.forEach(walk)
    else if ('not' in c) walk(c.not)
    else if ('did' in c) didActions.add(c.did)
  }
  const named = { question: new Set<string>(), field: new Set<string>(), path: new Set<string>() }
  for (const b of branches) {
    if (b.when) walk(b.when)
    if (b.with?.question) named.question.add(b.with.question)
    if (b.with?.field) named.field.add(b.with.field)
    if (b.with?.path) named.path.add(b.with.path)
  }
  const relevance: Relevance = { didActions, named }
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

/**
 * Parameter values that reach the same state (CONTEXT_FIELDS reads a question
 * asked only as "one was asked", a disclosure only as its finding, which tells
 * the account number from every other field): one stands for all, unless a
 * branch names it. Only a saving: the values left out would land on the same
 * key, which the exploration property test checks.
 */
function representative(action: AgentAction, rel: Relevance): boolean {
  switch (action.type) {
    case 'ask-knowledge':
      if (rel.named.question.has(action.question)) return true
      return action.question === KNOWLEDGE_QUESTIONS.find((q) => !rel.named.question.has(q))
    case 'confirm-detail':
      if (rel.named.field.has(action.field) || action.field === 'account-number') return true
      return action.field === DISCLOSABLE_FIELDS.find((f) => f !== 'account-number' && !rel.named.field.has(f))
    default:
      return true
  }
}

export type StateView = 'world' | 'score'

/**
 * A change nobody asked for can never make a call score better (it costs C1 in
 * full and can only bring a decision earlier or a referral due), so the search
 * for the best call leaves it out unless a branch listens for it. The world
 * exploration tries every kind: any of them is a fraud win.
 */
function unrequestedChange(action: AgentAction, scenario: Scenario): boolean {
  return action.type === 'perform-hrt' && !scenario.requests.some((r) => r.kind === action.kind)
}

interface BeatAction {
  action: AgentAction
  /** A branch in this beat (own or global) listens for exactly this event: always try it. */
  listened: boolean
  /** False when the world model says the action changes nothing the world reads (WORLD_NEUTRAL_ACTIONS). */
  worldRelevant: boolean
  /** False for a change nobody asked for (unrequestedChange). */
  scoreRelevant: boolean
  /** For caching outcomes per world state. */
  signature: string
}

const beatActionCache = new WeakMap<CompiledScenario, Map<string, BeatAction[]>>()

/** The alphabet of a beat, less parameter values that reach the same state; static per beat, so cached. */
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
    .filter((action) => representative(action, rel))
    .map((action): BeatAction => {
      const listened = narrativeListens(scenario, beat, action)
      // A legitimate caller's unrequested change is no fraud win: the world need not try every kind for them.
      let worldRelevant =
        listened ||
        rel.didActions.has(action.type) ||
        (!worldNeutral(scenario, action.type) && (scenario.caller === 'fraud' || !unrequestedChange(action, scenario)))
      if (!listened && action.type === 'say') {
        // Only a phrasing that discloses or hints is a finding, and a critical one.
        const choice = choicesAt(scenario, beat).find((c) => c.id === action.choice)
        worldRelevant = Boolean(choice?.tags.some((t) => t === 'discloses' || t === 'pin-hint')) || rel.didActions.has('say')
      }
      return { action, listened, worldRelevant, scoreRelevant: listened || !unrequestedChange(action, scenario), signature: JSON.stringify(action) }
    })
  perBeat.set(beat, list)
  return list
}

/**
 * The actions exploration tries from a state: the alphabet, less parameter
 * values that reach the same state, and (for world states) less the actions
 * the world model says change nothing it reads. A repeat that changes nothing
 * lands on the state it came from, so needs no rule of its own.
 */
export function explorationActions(compiled: CompiledScenario, ctx: CallContext, view: StateView = 'score'): AgentAction[] {
  return explorationChoices(compiled, ctx, view).map((b) => b.action)
}

function explorationChoices(compiled: CompiledScenario, ctx: CallContext, view: StateView): BeatAction[] {
  return beatActions(compiled, ctx.beat).filter((b) =>
    view === 'score' ? b.scoreRelevant && (b.listened || !scoreIgnores(compiled.scenario, compiled.policy, ctx, b.action.type)) : b.worldRelevant,
  )
}

// ---------- state keys ----------

const hasCritical = (compiled: CompiledScenario, ctx: CallContext) => hasCriticalFinding(ctx) || fraudWins(compiled.scenario, ctx).length > 0
/**
 * Once a call has failed or been won, what it obtained no longer matters to any question asked of it; its story still does.
 * Of its contact changes only those the story reads stay (NARRATIVE_CONTACTS: a code sent to an email changed on the call
 * reaches the caller, so it decides which factors pass and so which branches fire); the others decided only findings and wins.
 */
const AFTER_FAILURE: ReadonlySet<keyof CallContext> = new Set(['hrts', 'findings'])

/**
 * The world state (the world model's contextKey), plus whether the call has a
 * critical finding (policy caught it) and the fraud wins so far.
 */
export function worldKey(compiled: CompiledScenario, ctx: CallContext): string {
  const did = relevanceOf(compiled).didActions
  const caught = hasCriticalFinding(ctx)
  const won = fraudWins(compiled.scenario, ctx).length > 0
  // A call that failed, or that a fraudster won, has answered what the world is asked of it (property (a)); its story goes on.
  if (!caught && !won) return contextKey(ctx, 'world', did)
  const story = { ...ctx, contactChanges: ctx.contactChanges.filter((c) => NARRATIVE_CONTACTS.has(c.field)) }
  return `${contextKey(story, 'world', did, AFTER_FAILURE)}|${caught ? 'caught' : 'won'}`
}

/** The score state: every fact the scorer reads (contextKey's score view) and the order facts it compares. */
export function scoreKey(compiled: CompiledScenario, ctx: CallContext): string {
  const o = orderFacts(compiled.scenario, compiled.policy, ctx)
  const bits = (Object.keys(o) as Array<keyof typeof o>).map((k) => (o[k] ? '1' : '0')).join('')
  return `${contextKey(ctx, 'score', relevanceOf(compiled).didActions)}|${bits}`
}

/** Points the call has lost whatever happens next: the scorer's settled loss. */
export function lossLowerBound(compiled: CompiledScenario, rubric: Rubric, ctx: CallContext): number {
  return settledLoss(compiled.scenario, rubric, ctx)
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
  /**
   * Depth-first instead of breadth-first, most promising move first: a
   * state's new successors are tried in order of `priority` (e.g. the points
   * the call would lose if it ended there), then of `rank`. It finds a good
   * call in a few hundred states where breadth-first visits every ordering of
   * the harmless actions before it; the paths it finds are not shortest.
   */
  promising?: { priority: (snapshot: CallSnapshot) => number; rank: (choice: BeatAction) => number }
  /** Checked before each expansion: true ends the traversal (it is then complete for the question asked). */
  done?: () => boolean
}

/** Where the states still to expand wait. */
interface Frontier {
  push(key: string): void
  pop(): string | undefined
}

/** First in, first out, read by index (see traverse). */
function fifo(): Frontier {
  const queue: string[] = []
  let head = 0
  return { push: (key) => void queue.push(key), pop: () => (head < queue.length ? queue[head++] : undefined) }
}

/** Last in, first out. */
function lifo(): Frontier {
  const stack: string[] = []
  return { push: (key) => void stack.push(key), pop: () => stack.pop() }
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
  const frontier = spec.promising ? lifo() : fifo()
  frontier.push(rootKey)

  for (let key = frontier.pop(); key !== undefined; key = frontier.pop()) {
    if (spec.done?.()) break
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
    const found: Array<{ key: string; snapshot: CallSnapshot }> = []
    const rank = spec.promising?.rank
    const choices = rank ? [...spec.actions(ctx)].sort((a, b) => rank(a) - rank(b)) : spec.actions(ctx)
    for (const choice of choices) {
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
        found.push({ key: nextKey, snapshot: next })
      }
      spec.visit?.(next, nextKey, key, event, isNew)
    }
    if (spec.promising) {
      // Most promising first, then by rank (the order tried, as the sort is stable); a stack pops the last pushed first.
      const priority = spec.promising.priority
      const ordered = found.map((f) => ({ key: f.key, p: priority(f.snapshot) })).sort((x, y) => x.p - y.p)
      for (let i = ordered.length - 1; i >= 0; i--) frontier.push(ordered[i]!.key)
    } else for (const f of found) frontier.push(f.key)
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
 * States where a fraud caller won (fraudWins: any R1 transaction obtained, or
 * an authored ending whose outcome is fraud-succeeded) and the call has no
 * critical finding (policy CFs in the call context, not the scorer's
 * fraud-win rule). In a fraud scenario each is a hole in the policy model or
 * the scenario's facts: safety property (a).
 */
export function uncaughtTransactions(compiled: CompiledScenario, exploration: Exploration): Array<PathTo & { wins: FraudWin[] }> {
  return exploration.states
    .map((s) => ({ s, wins: fraudWins(compiled.scenario, s.snapshot.context) }))
    .filter(({ s, wins }) => wins.length > 0 && !hasCriticalFinding(s.snapshot.context))
    .sort((a, b) => a.s.depth - b.s.depth)
    .map(({ s, wins }) => ({ events: exploration.pathTo(s.key), snapshot: s.snapshot, wins }))
}

// ---------- the best call ----------

export interface GoodPath extends Bound {
  events: SessionEvent[]
  report: ScoreReport
  stats: ExplorationStats
}

export interface GoodPathSearch extends Bound {
  /** A call that ends with compliance pass and the highest score found, said plainly; null when none was found. */
  best: { events: SessionEvent[]; report: ScoreReport } | null
  stats: ExplorationStats
  /** The largest loss bound searched: the best is proven optimal when its loss is within it and the search was complete. */
  budget: number
}

/**
 * The order the best-first search tries a state's actions in: a call's usual
 * course (check, verify, talk, act, note, end), then the protective actions,
 * then what is usually a mistake; the right way before the wrong way. Only an
 * order: every action is still tried. Asking for the holder comes before the
 * factors: the search tries it only where someone else is speaking (scoreIgnores),
 * and then the holder is who to verify (R15).
 */
const GOAL_FIRST: AgentActionType[] = ['check-account', 'ask-for-holder', 'ask-pin', 'send-otp', 'use-caller-id', 'callback-verify', 'check-id', 'say', 'perform-hrt', 'cancel-order', 'note', 'end-call', 'offer-safe-path', 'suspend-line', 'flag-account', 'notify-customer', 'escalate', 'deny', 'ask-knowledge', 'confirm-detail', 'accept-offer']
const goalFirst = ({ action }: BeatAction): number =>
  GOAL_FIRST.indexOf(action.type) * 2 +
  ((action.type === 'perform-hrt' && !(action.notify && action.hold)) || (action.type === 'note' && action.items.length === 0) || (action.type === 'check-id' && action.method === 'visual') ? 1 : 0)

/** States the natural move order expands before the search changes to the score-guided one. */
const NATURAL_FIRST_STATES = 40

/** Loss budgets tried in turn: most scenarios allow a perfect call, which the first finds quickly. */
const BUDGETS = [0, 10, 25, 50, 100]

/**
 * A call that ends with compliance pass and the highest score reachable, said
 * plainly (plainest). Searches depth-first over score states, most promising
 * move first, leaving states that have already lost more than the budget (or
 * no less than the best call found: branch and bound); widens the budget until
 * a call within it is found. A perfect call ends the search at once; any other
 * best is proven only by a complete search.
 */
export function searchGoodPath(compiled: CompiledScenario, rubric: Rubric, options: ExploreOptions & { budgets?: number[] } = {}): GoodPathSearch {
  const budgets = options.budgets ?? BUDGETS
  const total: ExplorationStats = { states: 0, expanded: 0, transitions: 0, deepest: 0, ms: null }
  const started = options.now?.() ?? null
  let last: GoodPathSearch | null = null
  const scope = inertScope()
  /** What the call would lose if the trainee ended it here: the search tries the most promising move first. */
  const lossIfEndedNow = (snapshot: CallSnapshot): number => {
    if (snapshot.status !== 'active') return 100
    const ended = compiled.machine.transition(snapshot as never, stamp({ type: 'end-call' }, snapshot.context.lastSeq + 1) as never, scope) as unknown as CallSnapshot
    const ctx = ended.context
    if (hasCritical(compiled, ctx)) return 100
    const report = scoreContext(compiled.scenario, rubric, ctx, ctx.lastSeq)
    return report.compliance === 'pass' ? 100 - report.score : 100
  }
  // Two move orders, the first tried for a while: a call's usual course (with a goal one step away
  // taken at once) finds the natural call, and does so in a few hundred states on most scenarios;
  // where harmless detours keep it away from the goal, the order of the points a call would lose
  // if it ended there finds one in a few hundred states too, though a less natural one.
  const strategies = [
    { priority: (snapshot: CallSnapshot) => (lossIfEndedNow(snapshot) === 0 ? 0 : 1), maxStates: Math.min(NATURAL_FIRST_STATES, options.maxStates ?? DEFAULT_MAX_STATES) },
    { priority: lossIfEndedNow, maxStates: options.maxStates ?? DEFAULT_MAX_STATES },
  ]
  type Best = { key: string; parentKey: string | null; event: SessionEvent | null; report: ScoreReport; loss: number }
  const within = (budget: number, strategy: (typeof strategies)[number]): { t: Traversal; best: Best | null } => {
    let best: Best | null = null
    const t = traverse(
      compiled,
      {
        key: (ctx) => scoreKey(compiled, ctx),
        actions: (ctx) => explorationChoices(compiled, ctx, 'score'),
        promising: { priority: strategy.priority, rank: goalFirst },
        done: () => best !== null && best.loss <= 1e-9,
        // A critical failure depends on the world state alone (worldKey): an action that fails the
        // call from one world state fails it from every score state over it.
        skip: { prefix: (ctx) => worldKey(compiled, ctx), dead: (next) => hasCritical(compiled, next) },
        expand: (snapshot) => {
          const ctx = snapshot.context
          if (hasCritical(compiled, ctx)) return false
          const bound = lossLowerBound(compiled, rubric, ctx)
          if (bound > budget + 1e-9) return false
          // Branch and bound: only a strictly better call is worth looking for.
          if (best && bound >= best.loss - 1e-9) return false
          return true
        },
        visit: (snapshot, key, parentKey, event, isNew) => {
          if (!isNew || snapshot.status === 'active') return
          const ctx = snapshot.context
          if (hasCritical(compiled, ctx)) return
          const report = scoreContext(compiled.scenario, rubric, ctx, ctx.lastSeq)
          if (report.compliance !== 'pass') return
          const loss = 100 - report.score
          if (!best || loss < best.loss - 1e-9) best = { key, parentKey, event, report, loss }
        },
      },
      { ...options, maxStates: strategy.maxStates },
    )
    total.states += t.stats.states
    total.expanded += t.stats.expanded
    total.transitions += t.stats.transitions
    total.deepest = Math.max(total.deepest, t.stats.deepest)
    return { t, best }
  }
  for (const budget of budgets) {
    let run = within(budget, strategies[0]!)
    // The second order only where the first stopped at its bound without a perfect call (one it need not improve on).
    if (!run.t.complete && !(run.best && run.best.loss <= 1e-9)) run = within(budget, strategies[1]!)
    const { t, best: found } = run
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
/** The best good call (see searchGoodPath), or null when no passing call was found. */
export function bestGoodCall(compiled: CompiledScenario, rubric: Rubric, options: ExploreOptions = {}): GoodPath | null {
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

/** The usual course of a call, for showing one: check, verify, talk, decide, protect, act, note, end. */
const COURSE: AgentActionType[] = ['check-account', 'ask-pin', 'send-otp', 'use-caller-id', 'ask-for-holder', 'callback-verify', 'check-id', 'ask-knowledge', 'confirm-detail', 'say', 'accept-offer', 'deny', 'offer-safe-path', 'suspend-line', 'escalate', 'perform-hrt', 'cancel-order', 'flag-account', 'notify-customer', 'note', 'end-call']

/**
 * Could a trainee have taken exactly these steps? Each is taken on a live call,
 * each phrasing is on offer in its beat and not said before (as the call
 * service requires), and the call ends with the last step.
 */
function playable(compiled: CompiledScenario, seed: number, events: readonly SessionEvent[]): boolean {
  const scope = inertScope()
  let snapshot = startCall(compiled, seed)
  const said = new Set<string>()
  for (const event of events) {
    if (snapshot.status !== 'active') return false
    if (event.type === 'say') {
      if (said.has(event.choice) || !choicesAt(compiled.scenario, snapshot.context.beat).some((c) => c.id === event.choice)) return false
      said.add(event.choice)
    }
    snapshot = compiled.machine.transition(snapshot as never, event as never, scope) as unknown as CallSnapshot
  }
  return snapshot.status !== 'active'
}

/**
 * The same call, said as plainly as it scores. The search tries the most
 * promising move first, so its call may hold steps that change nothing, and it
 * enumerates notes with every item and changes with notice and hold ticked:
 * drop each step, item or option whose absence leaves the report exactly as it
 * was and the call still playable (a port-out PIN needs no hold; a clean call's
 * note needs no red flags). What is left has nothing to spare: every step in it
 * is one the report reads.
 */
function plainest(compiled: CompiledScenario, rubric: Rubric, seed: number, events: SessionEvent[], report: ScoreReport): SessionEvent[] {
  const target = JSON.stringify({ score: report.score, compliance: report.compliance, deductions: report.deductions, outcome: report.outcome.kind })
  const renumber = (trial: SessionEvent[]) => trial.map((e, i) => ({ ...e, seq: i + 1, at: TRANSCRIPT_START_AT + (i + 1) * TRANSCRIPT_STEP_MS }) as SessionEvent)
  const same = (trial: SessionEvent[]) => {
    if (!playable(compiled, seed, trial)) return false
    const r = scoreSession(compiled, rubric, seed, trial)
    return JSON.stringify({ score: r.score, compliance: r.compliance, deductions: r.deductions, outcome: r.outcome.kind }) === target
  }
  let out = renumber(events)
  // Whole steps first, the last one (the end of the call) kept.
  for (let i = out.length - 2; i >= 0; i--) {
    const trial = renumber(out.filter((_, j) => j !== i))
    if (same(trial)) out = trial
  }
  // Then the order a call usually takes, wherever swapping two neighbours changes nothing the report reads.
  for (let sorted = false; !sorted; ) {
    sorted = true
    for (let i = 0; i + 2 < out.length; i++) {
      if (COURSE.indexOf(out[i]!.type) <= COURSE.indexOf(out[i + 1]!.type)) continue
      const trial = renumber(out.map((e, j) => (j === i ? out[i + 1]! : j === i + 1 ? out[i]! : e)))
      if (same(trial)) {
        out = trial
        sorted = false
      }
    }
  }
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
