import { assign, initialTransition, setup, transition } from 'xstate'
import type { Branch, Scenario } from '../scenario/schema'
import { actionsOf, ENDED_STATE, startBeat } from '../scenario/schema'
import { AGENT_ACTIONS, type AgentActionType, type Tactic } from '../scenario/vocabulary'
import type { SessionEvent } from './events'
import { evaluateCondition } from './conditions'
import { DEFAULT_POLICY, type Policy } from './policy'
import { lineRealiser } from './variation'
import { applyAction, choicesAt, initialContext, type CallContext, type StepOutput, type TranscriptLine } from './world'

/**
 * Compiles a validated scenario into an XState v5 machine.
 *
 * One state per beat, one event type per agent action. Beats refer to
 * behaviour only by name (the `branchMatches` guard, the `act` and `enterBeat`
 * actions) with literal params, so the machine config stays plain data and no
 * text from a scenario file is ever evaluated. Time and the seed arrive in
 * events and input: the machine has no timers and no clock, so replay is exact.
 */

/** Bump when the same log could produce a different call or score. Sessions record it. */
export const ENGINE_VERSION = 1


export interface BranchRef {
  scope: 'beat' | 'global'
  beat: string
  index: number
}

export interface BeatMeta {
  say: string[]
  tactics: Tactic[]
  ending: Scenario['beats'][string]['ending'] | null
}

export function linesOf(say: string | string[] | undefined): string[] {
  return say === undefined ? [] : Array.isArray(say) ? say : [say]
}

export function branchesFor(scenario: Scenario, beat: string, action: AgentActionType): BranchRef[] {
  const refs: BranchRef[] = []
  const own = scenario.beats[beat]?.on ?? []
  own.forEach((b, index) => {
    if (actionsOf(b).includes(action)) refs.push({ scope: 'beat', beat, index })
  })
  scenario.on.forEach((b, index) => {
    if (actionsOf(b).includes(action)) refs.push({ scope: 'global', beat, index })
  })
  return refs
}

export function branchAt(scenario: Scenario, ref: BranchRef): Branch {
  const b = ref.scope === 'beat' ? scenario.beats[ref.beat]?.on[ref.index] : scenario.on[ref.index]
  if (!b) throw new Error(`no branch at ${ref.scope}:${ref.beat}:${ref.index}`)
  return b
}

/** Does the event carry the parameters a branch's `with` asks for? */
function paramsMatch(branch: Branch, event: SessionEvent): boolean {
  if (!branch.with) return true
  const ev = event as unknown as Record<string, unknown>
  return Object.entries(branch.with).every(([k, v]) => v === undefined || ev[k] === v)
}

export function compileScenario(scenario: Scenario, policy: Policy = DEFAULT_POLICY) {
  const first = startBeat(scenario)
  // Variants reach only what is said (./variation.ts): every line is realised with the session's picks.
  const realise = lineRealiser(scenario)

  // Guards and the action that follows evaluate the same step; compute it once.
  const stepCache = new WeakMap<object, { context: CallContext; output: StepOutput }>()
  const stepOf = (context: CallContext, event: SessionEvent): StepOutput => {
    const hit = stepCache.get(event)
    if (hit && hit.context === context) return hit.output
    const output = applyAction(scenario, policy, context, event)
    stepCache.set(event, { context, output })
    return output
  }

  const act = (context: CallContext, event: SessionEvent, ref: BranchRef | null): CallContext => {
    const out = stepOf(context, event)
    const branch = ref ? branchAt(scenario, ref) : null
    const beat = context.beat
    const seq = event.seq
    const lines: TranscriptLine[] = []
    const r = (text: string) => realise(text, context.seed)
    if (out.agentLine) lines.push({ seq, speaker: 'agent', text: r(out.agentLine), tactics: [], beat })
    for (const text of out.systemBefore) lines.push({ seq, speaker: 'system', text: r(text), tactics: [], beat })
    const said = branch?.say !== undefined ? linesOf(branch.say) : out.callerLine ? [out.callerLine] : []
    const tactics = branch?.tactics ?? []
    said.forEach((text, i) => lines.push({ seq, speaker: 'caller', text: r(text), tactics: i === 0 ? tactics : [], beat }))
    for (const text of out.systemLines) lines.push({ seq, speaker: 'system', text: r(text), tactics: [], beat })
    for (const text of out.policyLines) lines.push({ seq, speaker: 'policy', text: r(text), tactics: [], beat })
    return {
      ...out.context,
      transcript: [...context.transcript, ...lines],
      tacticsSeen: tactics.length
        ? [...out.context.tacticsSeen, ...tactics.map((tactic) => ({ tactic, seq, beat }))]
        : out.context.tacticsSeen,
    }
  }

  const enter = (context: CallContext, beatId: string): CallContext => {
    const beat = scenario.beats[beatId]
    const seq = context.lastSeq
    const said = linesOf(beat?.say)
    const tactics = beat?.tactics ?? []
    return {
      ...context,
      beat: beatId,
      visited: context.visited.includes(beatId) ? context.visited : [...context.visited, beatId],
      ended: context.ended || beatId === ENDED_STATE || Boolean(beat?.ending),
      transcript: said.length
        ? [
            ...context.transcript,
            ...said.map((text, i) => ({ seq, speaker: 'caller' as const, text: realise(text, context.seed), tactics: i === 0 ? tactics : [], beat: beatId })),
          ]
        : context.transcript,
      tacticsSeen: tactics.length
        ? [...context.tacticsSeen, ...tactics.map((tactic) => ({ tactic, seq, beat: beatId }))]
        : context.tacticsSeen,
    }
  }

  const machineSetup = setup({
    types: {} as {
      context: CallContext
      events: SessionEvent
      input: { seed: number }
    },
    guards: {
      branchMatches: ({ context, event }, ref: BranchRef) => {
        const branch = branchAt(scenario, ref)
        if (!paramsMatch(branch, event)) return false
        // A phrasing not on offer in this beat was never said: no branch answers it.
        if (event.type === 'say' && !choicesAt(scenario, context.beat).some((c) => c.id === event.choice)) return false
        if (!branch.when) return true
        const after = stepOf(context, event).context
        return evaluateCondition(branch.when, { scenario, policy, context: after })
      },
    },
    actions: {
      act: assign(({ context, event }, ref: BranchRef | null) => act(context, event, ref)),
      enterBeat: assign(({ context }, params: { beat: string }) => enter(context, params.beat)),
    },
  })

  type TransitionConfig = {
    guard?: { type: 'branchMatches'; params: BranchRef }
    target?: string
    reenter?: boolean
    actions: Array<{ type: 'act'; params: BranchRef | null }>
  }

  const states: Record<string, object> = {}
  for (const [beatId, beat] of Object.entries(scenario.beats)) {
    const meta: BeatMeta = { say: linesOf(beat.say), tactics: beat.tactics, ending: beat.ending ?? null }
    if (beat.ending) {
      states[beatId] = { type: 'final', meta, entry: [{ type: 'enterBeat', params: { beat: beatId } }] }
      continue
    }
    const on: Record<string, TransitionConfig[]> = {}
    for (const action of AGENT_ACTIONS) {
      const list: TransitionConfig[] = branchesFor(scenario, beatId, action).map((ref) => {
        const goto = branchAt(scenario, ref).goto
        return {
          guard: { type: 'branchMatches', params: ref },
          ...(goto ? { target: goto, reenter: goto === beatId } : {}),
          actions: [{ type: 'act', params: ref }],
        }
      })
      list.push(
        action === 'end-call'
          ? { target: ENDED_STATE, actions: [{ type: 'act', params: null }] }
          : { actions: [{ type: 'act', params: null }] },
      )
      on[action] = list
    }
    states[beatId] = { meta, entry: [{ type: 'enterBeat', params: { beat: beatId } }], on }
  }
  states[ENDED_STATE] = {
    type: 'final',
    meta: { say: [], tactics: [], ending: null } satisfies BeatMeta,
    entry: [{ type: 'enterBeat', params: { beat: ENDED_STATE } }],
  }

  const machine = machineSetup.createMachine({
    id: scenario.id,
    context: ({ input }) => initialContext(input.seed, first),
    initial: first,
    // The config is assembled from data; its shape is checked by the tests and the linter.
    states: states as never,
  })

  return { scenario, policy, machine }
}

export type CompiledScenario = ReturnType<typeof compileScenario>
export type CallMachine = CompiledScenario['machine']
export type CallSnapshot = ReturnType<CallMachine['resolveState']>

/** The snapshot before the first action: the opening beat has been entered. */
export function startCall(compiled: CompiledScenario, seed: number): CallSnapshot {
  return initialTransition(compiled.machine, { seed })[0] as CallSnapshot
}

/** One step, purely. An event the current state does not accept leaves the snapshot unchanged. */
export function advance(compiled: CompiledScenario, snapshot: CallSnapshot, event: SessionEvent): CallSnapshot {
  if (snapshot.status !== 'active') return snapshot
  return transition(compiled.machine, snapshot as never, event)[0] as CallSnapshot
}

/** Replays a whole log from the start. */
export function replay(compiled: CompiledScenario, seed: number, events: readonly SessionEvent[]): CallSnapshot {
  let snapshot = startCall(compiled, seed)
  for (const event of events) snapshot = advance(compiled, snapshot, event)
  return snapshot
}

/** The beat id the snapshot is in. */
export function beatOf(snapshot: CallSnapshot): string {
  return snapshot.context.beat
}
