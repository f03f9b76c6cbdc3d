import fc from 'fast-check'
import { expect } from 'vitest'
import { actionAlphabet, explorationActions, lossLowerBound, scoreKey, worldKey } from '../analysis/paths'
import { advance, startCall, type CallSnapshot, type CompiledScenario } from '../engine/compile'
import type { AgentAction, SessionEvent } from '../engine/events'
import { hasCriticalFinding, isCritical } from '../scoring/findings'
import type { Rubric } from '../scoring/rubric'
import { scoreContext } from '../scoring/scorer'
import { fraudWins } from '../engine/world'

/**
 * The soundness properties of path search's state keys and loss bound, as
 * fast-check properties over random walks through a scenario's full action
 * alphabet. One definition, run on synthetic scenarios (analysis/paths.test.ts)
 * and on every library scenario (tests/librarySoundness.test.ts).
 *
 * Random walks meet the same key by different routes all the time (commuting
 * actions, repeats, parameter values the world treats alike), which is what
 * the key properties compare.
 */

export interface SoundnessRuns {
  /** Walks for the same-key properties; `minCompared` of them must meet a key seen before. */
  keys: number
  minCompared: number
  /** Walks for the loss-bound property. */
  bound: number
  /** Walks for the left-out-action property (each tries the whole alphabet twice over). */
  leftOut: number
}

const walk = fc.array(fc.nat(), { minLength: 1, maxLength: 9 })

export const step = (c: CompiledScenario, s: CallSnapshot, a: AgentAction) =>
  advance(c, s, { ...a, seq: s.context.lastSeq + 1, at: 1_000_000 + s.context.lastSeq } as SessionEvent)

export function runWalk(c: CompiledScenario, picks: number[], start?: CallSnapshot): { snaps: CallSnapshot[]; actions: AgentAction[] } {
  let s = start ?? startCall(c, 1)
  const snaps = [s]
  const actions: AgentAction[] = []
  for (const pick of picks) {
    if (s.status !== 'active') break
    const alphabet = actionAlphabet(c.scenario, s.context.beat)
    const action = alphabet[pick % alphabet.length]!
    actions.push(action)
    s = step(c, s, action)
    snaps.push(s)
  }
  return { snaps, actions }
}

const finish = (c: CompiledScenario, s: CallSnapshot) => (s.status === 'active' ? step(c, s, { type: 'end-call' }) : s)
/** A failed call's outcome label is of no interest to the search (it scores 0 whatever it is), so it is left out. */
const scoreOf = (c: CompiledScenario, rubric: Rubric, s: CallSnapshot) => {
  const r = scoreContext(c.scenario, rubric, s.context, s.context.lastSeq)
  return { compliance: r.compliance, score: r.score, outcome: r.compliance === 'pass' ? r.outcome.kind : null }
}

/**
 * Two snapshots with the same key, continued by the same random suffix, must
 * keep agreeing on the key and on `future`. Fails with both routes spelt out.
 */
function sameKeySameFuture<F>(c: CompiledScenario, runs: SoundnessRuns, key: (s: CallSnapshot) => string, future: (s: CallSnapshot) => F): void {
  const seen = new Map<string, { snap: CallSnapshot; route: AgentAction[] }>()
  let compared = 0
  fc.assert(
    fc.property(walk, walk, (prefix, suffix) => {
      const { snaps, actions } = runWalk(c, prefix)
      snaps.forEach((s, i) => {
        const k = key(s)
        const other = seen.get(k)
        if (!other) {
          seen.set(k, { snap: s, route: actions.slice(0, i) })
          return
        }
        if (other.snap === s) return
        compared++
        const a = runWalk(c, suffix, other.snap)
        const b = runWalk(c, suffix, s)
        const routes = `${JSON.stringify(other.route)} and ${JSON.stringify(actions.slice(0, i))}, then ${JSON.stringify(a.actions)}`
        expect(key(b.snaps.at(-1)!), routes).toBe(key(a.snaps.at(-1)!))
        expect(future(b.snaps.at(-1)!), routes).toEqual(future(a.snaps.at(-1)!))
      })
    }),
    { numRuns: runs.keys },
  )
  expect(compared).toBeGreaterThan(runs.minCompared)
}

/** Calls with the same score key agree after any common continuation: key, compliance, score and outcome. */
export function scoreKeyIsSound(c: CompiledScenario, rubric: Rubric, runs: SoundnessRuns): void {
  sameKeySameFuture(c, runs, (s) => scoreKey(c, s.context), (s) => scoreOf(c, rubric, finish(c, s)))
}

/**
 * Calls with the same world key agree after any common continuation on the
 * key and on what safety property (a) asks: whether policy caught the call (a
 * critical finding), and whether a fraudster won it without being caught (once
 * caught, a call's win no longer matters: it has failed either way).
 */
export function worldKeyIsSound(c: CompiledScenario, runs: SoundnessRuns): void {
  sameKeySameFuture(
    c,
    runs,
    (s) => worldKey(c, s.context),
    (s) => {
      const caught = hasCriticalFinding(s.context)
      return { caught, uncaughtWin: !caught && fraudWins(c.scenario, s.context).length > 0, ended: s.status !== 'active' }
    },
  )
}

/** The loss bound never passes the loss the call ends with, and never falls as the call goes on. */
export function lossBoundIsSound(c: CompiledScenario, rubric: Rubric, runs: SoundnessRuns): void {
  fc.assert(
    fc.property(walk, (picks) => {
      const { snaps, actions } = runWalk(c, picks)
      const final = scoreOf(c, rubric, finish(c, snaps.at(-1)!))
      const loss = 100 - final.score
      let previous = 0
      snaps.forEach((s, i) => {
        const bound = lossLowerBound(c, rubric, s.context)
        const route = JSON.stringify(actions.slice(0, i))
        expect(bound, `bound after ${route} against the loss of ${JSON.stringify(actions)}`).toBeLessThanOrEqual(loss + 1e-9)
        expect(bound, `bound after ${route}`).toBeGreaterThanOrEqual(previous - 1e-9)
        previous = bound
      })
    }),
    { numRuns: runs.bound },
  )
}

/**
 * An action the score exploration leaves out changes nothing, or lands where
 * a kept action does, or has settled a loss already, or never helps: whatever
 * follows, the call is no better for it.
 */
export function leftOutActionsNeverHelp(c: CompiledScenario, rubric: Rubric, runs: SoundnessRuns): void {
  fc.assert(
    fc.property(walk, walk, (picks, suffixPicks) => {
      const s = runWalk(c, picks).snaps.at(-1)!
      // A failed call is never explored further, so what it leaves out does not matter.
      if (s.status !== 'active' || s.context.findings.some(isCritical) || fraudWins(c.scenario, s.context).length) return
      const kept = explorationActions(c, s.context, 'score')
      const keptKeys = new Set(kept.map((a) => scoreKey(c, step(c, s, a).context)))
      const here = scoreKey(c, s.context)
      const bound = lossLowerBound(c, rubric, s.context)
      const { actions: suffix } = runWalk(c, suffixPicks, s)
      const finalScore = (from: CallSnapshot) => scoreOf(c, rubric, finish(c, suffix.reduce((x, a) => (x.status === 'active' ? step(c, x, a) : x), from))).score
      for (const a of actionAlphabet(c.scenario, s.context.beat)) {
        if (kept.some((k) => JSON.stringify(k) === JSON.stringify(a))) continue
        const next = step(c, s, a)
        const key = scoreKey(c, next.context)
        if (key === here || keptKeys.has(key) || lossLowerBound(c, rubric, next.context) > bound) continue
        expect(finalScore(next), `${JSON.stringify(a)} from ${here}, then ${JSON.stringify(suffix)}`).toBeLessThanOrEqual(finalScore(s))
      }
    }),
    { numRuns: runs.leftOut },
  )
}
