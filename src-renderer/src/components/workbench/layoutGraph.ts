import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre'
import { ANY_BEAT_NODE, type BeatGraph, type BeatNode, type BranchEdge } from '@core/analysis/beatGraph'

/**
 * Lays out a scenario's beat graph with dagre (layered, top to bottom), for
 * BeatGraphView to draw as SVG. dagre runs synchronously in the page (no
 * worker, no eval, so it is fine under the strict CSP) and lays out a library
 * scenario in a few milliseconds. Text widths are estimated, not measured: the
 * layout must not depend on fonts having loaded.
 */

export interface PlacedNode extends BeatNode {
  x: number
  y: number
  width: number
  height: number
  /** What the node shows: the beat id, and an ending's outcome under it. */
  title: string
  subtitle: string | null
}

export interface PlacedEdge extends BranchEdge {
  /** An SVG path through dagre's points. */
  d: string
  labelX: number
  labelY: number
  /** Loops' labels start beside them; other labels are centred on their edge. */
  labelAnchor: 'start' | 'middle'
  /** The label as drawn: long ones are cut, the full text is the edge's tooltip. */
  shortLabel: string
}

export interface GraphLayout {
  width: number
  height: number
  nodes: PlacedNode[]
  edges: PlacedEdge[]
}

const CHAR_WIDTH = 7.2
const LABEL_CHAR_WIDTH = 6
const MAX_LABEL_CHARS = 34
const MARGIN = 16
/** How far a stay-in-beat loop reaches right of its beat, and the rows between stacked loops. */
const LOOP_WIDTH = 22
const STAY_ROW = 16

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export function layoutBeatGraph(graph: BeatGraph): GraphLayout {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true })
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 46, edgesep: 12, marginx: MARGIN, marginy: MARGIN })
  g.setDefaultEdgeLabel(() => ({}))
  // Branches that stay in their beat are drawn as small loops on the beat's right with their labels
  // stacked beside them, not given to dagre (whose self-loops wander off): the beat's box is widened
  // and heightened for dagre so the loops' room is kept free.
  const stays = new Map<string, BranchEdge[]>()
  for (const e of graph.edges) if (e.kind === 'stay') stays.set(e.from, [...(stays.get(e.from) ?? []), e])
  const sizes = new Map<string, { width: number; height: number; extra: number }>()
  for (const n of graph.nodes) {
    const title = n.id === ANY_BEAT_NODE ? 'any beat' : n.id
    const subtitle = n.outcome ? `ending: ${n.outcome}` : null
    const chars = Math.max(title.length, subtitle?.length ?? 0)
    const width = Math.max(90, chars * CHAR_WIDTH + 28)
    const height = subtitle ? 46 : 32
    const own = stays.get(n.id) ?? []
    const extra = own.length ? LOOP_WIDTH + Math.max(...own.map((e) => cut(e.label, MAX_LABEL_CHARS).length)) * LABEL_CHAR_WIDTH + 8 : 0
    sizes.set(n.id, { width, height, extra })
    g.setNode(n.id, { width: width + extra * 2, height: Math.max(height, own.length * STAY_ROW + 6) })
  }
  for (const e of graph.edges) {
    if (e.kind === 'stay') continue
    const shortLabel = cut(e.label, MAX_LABEL_CHARS)
    g.setEdge(e.from, e.to, { width: shortLabel.length * LABEL_CHAR_WIDTH + 8, height: 14, labelpos: 'c' }, e.id)
  }
  dagre.layout(g)

  const nodes: PlacedNode[] = graph.nodes.map((n) => {
    const placed = g.node(n.id)
    const size = sizes.get(n.id)!
    return {
      ...n,
      x: placed.x ?? 0,
      y: placed.y ?? 0,
      width: size.width,
      height: size.height,
      title: n.id === ANY_BEAT_NODE ? 'any beat' : n.id,
      subtitle: n.outcome ? `ending: ${n.outcome}` : null,
    }
  })
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const edges: PlacedEdge[] = graph.edges.map((e) => {
    const shortLabel = cut(e.label, MAX_LABEL_CHARS)
    if (e.kind === 'stay') {
      const n = byId.get(e.from)!
      const own = stays.get(e.from)!
      const row = own.indexOf(e)
      const x = n.x + n.width / 2
      const y = n.y + (row - (own.length - 1) / 2) * STAY_ROW
      const d = `M${x.toFixed(1)},${(y - 4).toFixed(1)} C${(x + LOOP_WIDTH).toFixed(1)},${(y - 12).toFixed(1)} ${(x + LOOP_WIDTH).toFixed(1)},${(y + 12).toFixed(1)} ${(x + 1).toFixed(1)},${(y + 4).toFixed(1)}`
      return { ...e, d, labelX: x + LOOP_WIDTH, labelY: y, labelAnchor: 'start' as const, shortLabel }
    }
    const placed = g.edge({ v: e.from, w: e.to, name: e.id })
    const points = placed.points ?? []
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')
    return { ...e, d, labelX: placed.x ?? points[0]?.x ?? 0, labelY: placed.y ?? points[0]?.y ?? 0, labelAnchor: 'middle' as const, shortLabel }
  })
  const box = g.graph()
  return { width: box.width ?? 0, height: box.height ?? 0, nodes, edges }
}
