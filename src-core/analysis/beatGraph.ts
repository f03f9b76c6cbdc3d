import { actionsOf, startBeat, type Branch, type Condition, type Scenario } from '../scenario/schema'
import type { EndingOutcome } from '../scenario/vocabulary'

/**
 * A scenario's beats and branches as a graph: beats are nodes, branches are
 * labelled edges. One model for every picture of it: the CLI's Mermaid
 * flowchart (`scenarios graph`) and the app's workbench (laid out with dagre
 * and drawn as SVG) both read this, so they cannot disagree about a branch.
 *
 * It shows what the author wrote, nothing more: the engine's generic answers
 * (a silent beat answering from the facts) have no edge of their own.
 */

/** The node standing for branches written under the scenario's top-level `on:`, which apply in every beat. */
export const ANY_BEAT_NODE = '*any*'

export interface BeatNode {
  /** The beat id, or ANY_BEAT_NODE. */
  id: string
  /** The authored ending's outcome, or null for a beat the call moves on from. */
  outcome: EndingOutcome | null
  start: boolean
  /** The caller's first line on entering the beat, for a tooltip; null when the beat is silent. */
  says: string | null
}

export interface BranchEdge {
  /** Unique within the graph: `${from}#${index}`. */
  id: string
  from: string
  /** The branch's goto; a branch without goto keeps the call where it is, so it points back at its own beat. */
  to: string
  /** Its actions, `with` parameters and `when` condition, as an author reads them. */
  label: string
  /** 'stay': no goto; 'missing': its goto names no beat (the loader reports that as an error too). */
  kind: 'goto' | 'stay' | 'missing'
}

export interface BeatGraph {
  nodes: BeatNode[]
  edges: BranchEdge[]
}

export function beatGraph(scenario: Scenario): BeatGraph {
  const start = startBeat(scenario)
  const nodes: BeatNode[] = Object.entries(scenario.beats).map(([id, beat]) => ({
    id,
    outcome: beat.ending?.outcome ?? null,
    start: id === start,
    says: firstLine(beat.say),
  }))
  const edges: BranchEdge[] = []
  const add = (from: string, branches: readonly Branch[], stayAt: string | null) =>
    branches.forEach((branch, i) => {
      const to = branch.goto ?? stayAt
      if (to === null) return
      const kind = branch.goto === undefined ? 'stay' : branch.goto in scenario.beats ? 'goto' : 'missing'
      edges.push({ id: `${from}#${i}`, from, to, label: branchLabel(branch), kind })
    })
  for (const [id, beat] of Object.entries(scenario.beats)) add(id, beat.on, id)
  // A global branch without goto changes nothing about where the call is: no edge to draw.
  if (scenario.on.some((b) => b.goto !== undefined)) {
    nodes.push({ id: ANY_BEAT_NODE, outcome: null, start: false, says: null })
    add(ANY_BEAT_NODE, scenario.on, null)
  }
  return { nodes, edges }
}

/** "send-otp [to: line-of-record] [when factors ≥ 2]". */
export function branchLabel(branch: Branch): string {
  const parts = [actionsOf(branch).join(' / ')]
  const withs = Object.entries(branch.with ?? {}).filter(([, v]) => v !== undefined)
  if (withs.length) parts.push(`[${withs.map(([k, v]) => `${k}: ${String(v)}`).join(', ')}]`)
  if (branch.when) parts.push(`[when ${conditionText(branch.when)}]`)
  return parts.join(' ')
}

export function conditionText(c: Condition): string {
  if ('all' in c) return c.all.map(conditionText).join(' and ')
  if ('any' in c) return `(${c.any.map(conditionText).join(' or ')})`
  if ('not' in c) return `not ${conditionText(c.not)}`
  if ('factors' in c) return `factors ≥ ${c.factors}`
  if ('failedAttempts' in c) return `failed ≥ ${c.failedAttempts}`
  const [[k, v]] = Object.entries(c) as [[string, unknown]]
  return `${k}: ${String(v)}`
}

function firstLine(say: string | string[] | undefined): string | null {
  if (say === undefined) return null
  return Array.isArray(say) ? (say[0] ?? null) : say
}
