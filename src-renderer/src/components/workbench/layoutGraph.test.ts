import { describe, expect, it } from 'vitest'
import { beatGraph } from '@core/analysis/beatGraph'
import { airport } from '../../stores/testing/fakeBackend'
import { layoutBeatGraph } from './layoutGraph'

describe('layoutBeatGraph (dagre)', () => {
  const layout = layoutBeatGraph(beatGraph(airport))

  it('places every beat inside the picture, none on top of another', () => {
    expect(layout.nodes.map((n) => n.id).sort()).toEqual(beatGraph(airport).nodes.map((n) => n.id).sort())
    for (const n of layout.nodes) {
      expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0)
      expect(n.y - n.height / 2).toBeGreaterThanOrEqual(0)
      expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width)
      expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height)
    }
    for (const a of layout.nodes)
      for (const b of layout.nodes) {
        if (a === b) continue
        const apart = Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= (a.height + b.height) / 2
        expect(apart, `${a.id} and ${b.id} overlap`).toBe(true)
      }
  })

  it('draws the start beat above the beats it leads to, and branches that stay as loops beside their beat', () => {
    const at = new Map(layout.nodes.map((n) => [n.id, n]))
    expect(at.get('opening')!.y).toBeLessThan(at.get('pushback')!.y)
    const loops = layout.edges.filter((e) => e.kind === 'stay')
    expect(loops.length).toBeGreaterThan(0)
    for (const e of loops) {
      const n = at.get(e.from)!
      expect(e.labelAnchor).toBe('start')
      expect(e.labelX).toBeGreaterThan(n.x + n.width / 2)
      expect(Math.abs(e.labelY - n.y)).toBeLessThan(n.height + 30)
    }
    for (const e of layout.edges.filter((x) => x.kind !== 'stay')) expect(e.d).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/)
  })
})
