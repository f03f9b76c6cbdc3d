import { searchGoodPath } from '@core/analysis/paths'
import { compileScenario } from '@core/engine/compile'
import type { Rubric } from '@core/scoring/rubric'
import { libraryScenarios } from './library'
import type { BenchResult, BenchRow } from './types'
import { median } from './types'

const RUNS = 3

/**
 * "What a good agent would have done": the state-space search library.get
 * runs (in a worker thread) once per scenario version. Per library scenario,
 * the median of a few in-process runs and the states it explored, so a change
 * to the world model or the scorer that blows up the search shows here.
 */
export async function benchGoodPath(rubric: Rubric): Promise<BenchResult> {
  const scenarios = libraryScenarios()
  const rows: BenchRow[] = []
  const medians: number[] = []
  for (const scenario of scenarios) {
    const compiled = compileScenario(scenario, rubric.policy)
    const runs = Array.from({ length: RUNS }, () => searchGoodPath(compiled, rubric, { now: () => performance.now() }))
    const ms = median(runs.map((r) => r.stats.ms ?? Number.NaN))
    medians.push(ms)
    const { stats, best, complete } = runs[0]!
    const found = best ? `${best.events.length} actions, score ${best.report.score}` : 'none found'
    rows.push({
      metric: `${scenario.id}: ${stats.states} states (${stats.expanded} expanded), ${stats.transitions} transitions; ${found}${complete ? '' : ', INCOMPLETE'}`,
      value: round(ms),
      unit: 'ms',
    })
  }
  rows.push({ metric: `median over the ${scenarios.length} library scenarios (each the median of ${RUNS} runs)`, value: round(median(medians)), unit: 'ms', target: 'off the main thread (worker)' })
  return { name: 'Good-path search, per library scenario', rows }
}

const round = (n: number) => Math.round(n * 100) / 100
