import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { automaticItemScores, gradableItems, overallJudgements, reviewScores, reviewSteps, totalOf, viewAtStep } from '@core/api/reviewRules'
import type { ReviewEvent } from '@core/api/review'
import { exploreScenario } from '@core/analysis/paths'
import { compileScenario } from '@core/engine/compile'
import { loadScenarioText } from '@core/scenario/loader'
import { scoreSession } from '@core/scoring/scorer'
import { library, rubric, scenarioFiles } from './support/library'

/**
 * Review's arithmetic against the scorer's, over every reachable state of
 * every library scenario: with nothing overridden, the human total is the
 * automatic one to the point; each judgement sits at the step that caused it;
 * and a step's console is the one replay reaches.
 */

const files = scenarioFiles
const items = gradableItems(rubric)
const supervisor = { role: 'supervisor' as const, name: 'Ada' }

function calls(file: string) {
  const scenario = loadScenarioText(readFileSync(join(library, file), 'utf8'), `scenarios/library/${file}`)
  const compiled = compileScenario(scenario, rubric.policy)
  const exploration = exploreScenario(compiled, { maxStates: 1500 })
  return { compiled, paths: exploration.states.map((s) => exploration.pathTo(s.key)) }
}

describe.each(files)('%s', (file) => {
  const { compiled, paths } = calls(file)

  it('totals the scorer’s own item scores to the scorer’s score and compliance, in every reachable state', () => {
    for (const events of paths) {
      const report = scoreSession(compiled, rubric, 7, events)
      // A call that never ended has no verdict, so nothing to review (its report reads fail/0 by design).
      if (report.verdict === null) continue
      expect(totalOf(items, automaticItemScores(rubric, report))).toEqual({ score: report.score, compliance: report.compliance })
    }
  })

  it('keeps the automatic score counting until sign-off, and a signed-off override counts beside it', () => {
    for (const events of paths.slice(0, 200)) {
      const report = scoreSession(compiled, rubric, 7, events)
      const e1 = report.sections.flatMap((s) => s.items).find((i) => i.id === 'E1')!
      const override: ReviewEvent = { type: 'override', item: 'E1', score: e1.max, reason: 'noted elsewhere', seq: 1, at: 1, actor: supervisor, hash: '' }
      const draft = reviewScores(rubric, report, [override])
      expect(draft).toMatchObject({ countingSource: 'automatic', counting: report.score, auto: report.score })
      const signed = reviewScores(rubric, report, [override, { type: 'sign-off', seq: 2, at: 2, actor: supervisor, hash: '' }])
      const expected = report.criticalFailures.length ? 0 : Math.min(100, Math.round((report.weightedScore + e1.max - e1.score) * 10) / 10)
      expect(signed).toMatchObject({ countingSource: 'supervisor', human: expected, counting: expected, auto: report.score })
    }
  })

  it('ties every judgement to the step that caused it (or to the call as a whole), and rebuilds each step’s console by replay', () => {
    for (const events of paths.slice(0, 100)) {
      const report = scoreSession(compiled, rubric, 7, events)
      const steps = reviewSteps(compiled, { seed: 7, mode: 'assessment', startedAt: 0 }, events, report, null)
      const placed = [...steps.flatMap((s) => s.judgements.map((j) => `${s.seq}:${j.item}`)), ...overallJudgements(report, events).map((j) => `call:${j.item}`)].sort()
      const decided = new Set(events.map((e) => e.seq))
      const at = (seq: number | null) => (seq !== null && decided.has(seq) ? String(seq) : 'call')
      const expected = [
        ...report.criticalFailures.map((c) => `${at(c.seq)}:${c.id}`),
        ...report.deductions.filter((d) => !report.criticalFailures.some((c) => c.id === d.item && c.seq === d.seq)).map((d) => `${at(d.seq)}:${d.item}`),
      ].sort()
      expect(placed).toEqual(expected)
      const step = Math.floor(events.length / 2)
      expect(viewAtStep(compiled, { seed: 7, mode: 'assessment' }, events, step).step).toBe(step)
    }
  })
})
