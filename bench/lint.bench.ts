import { lintScenario } from '@core/analysis/lint'
import { exploreScenario, searchGoodPath } from '@core/analysis/paths'
import { compileScenario } from '@core/engine/compile'
import type { Rubric } from '@core/scoring/rubric'
import { libraryScenarios } from './library'
import type { BenchResult, BenchRow } from './types'
import { median, timeIt } from './types'

const RUNS = 3

/**
 * The linter with its path analysis (both safety properties), per library
 * scenario: the median of a few runs, with the states each part explored (the
 * world exploration every scenario gets; the search for a perfect call that
 * legitimate and ambiguous ones get), so a change that blows up either shows
 * here with its cause. Target (issue 7): the median no more than before the
 * fraud-win coverage was widened (136 ms on this machine then).
 */
export async function benchLint(rubric: Rubric): Promise<BenchResult> {
  const scenarios = libraryScenarios()
  const rows: BenchRow[] = []
  const medians: number[] = []
  for (const scenario of scenarios) {
    const ms = median(Array.from({ length: RUNS }, () => timeIt(() => lintScenario(scenario, rubric))))
    medians.push(ms)
    const compiled = compileScenario(scenario, rubric.policy)
    const world = exploreScenario(compiled).stats
    const good = scenario.caller === 'fraud' ? null : searchGoodPath(compiled, rubric, { budgets: [0] }).stats
    rows.push({
      metric: `${scenario.id} (${scenario.caller}): world ${world.states} states; ${good ? `perfect call found after ${good.states} states (${good.expanded} expanded)` : 'no good-call search (fraud)'}`,
      value: round(ms),
      unit: 'ms',
    })
  }
  rows.push({ metric: `median over the ${scenarios.length} library scenarios (each the median of ${RUNS} runs)`, value: round(median(medians)), unit: 'ms', target: '≤ 136 ms (the median before issue 7)' })
  rows.push({ metric: `slowest library scenario`, value: round(Math.max(...medians)), unit: 'ms' })
  return { name: 'Lint with path analysis, per library scenario', rows }
}

const round = (n: number) => Math.round(n * 100) / 100
