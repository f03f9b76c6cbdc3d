import { compileScenario, type CompiledScenario } from '../engine/compile'
import { actionOf, type SessionEvent } from '../engine/events'
import { placeProblems, problem, structuralProblems, type LintProblem, type PendingProblem, type ProblemPath, type Severity, type SourcePositions } from '../scenario/lint'
import type { Scenario } from '../scenario/schema'
import { HRT_LABELS } from '../scenario/vocabulary'
import type { Rubric } from '../scoring/rubric'
import { isServable } from '../scoring/scorer'
import { describeAction } from '../session/describe'
import { exploreScenario, searchGoodPath, uncaughtTransactions, type Exploration, type ExploreOptions, type GoodPathSearch } from './paths'

/**
 * The whole linter: the format's structural checks (src-core/scenario/lint.ts)
 * and the two safety properties, proved by exploring the compiled machine
 * (./paths.ts):
 *
 * (a) in a fraud scenario, every reachable state in which the caller got a
 *     high-risk transaction has a critical finding (a policy CF in the call
 *     context, not the scorer's outcome rule): policy catches every fraud win;
 * (b) in a legitimate or ambiguous scenario, some call serves the customer
 *     (or, when they cannot be served remotely, gives a safe path) with no
 *     deduction at all: score 100, compliance pass.
 *
 * When exploration hits its bound, the linter says it could not prove the
 * property; it never passes silently.
 */

export interface LintOptions {
  /** Positions in the source text (see sourcePositions), to give each problem a line and column. */
  source?: SourcePositions
  /** Bounds for the path analysis. */
  explore?: ExploreOptions
  /** Skip the path analysis (structure only). */
  structureOnly?: boolean
}

export function lintScenario(scenario: Scenario, rubric: Rubric, options: LintOptions = {}): LintProblem[] {
  const { problems, blocking } = structuralProblems(scenario)
  const found: PendingProblem[] = [...problems]
  const add: Add = (severity, at, message, hint, counterexample) => found.push(problem(severity, at, message, hint, counterexample))
  if (!blocking && !options.structureOnly) analyse(scenario, rubric, options.explore ?? {}, add)
  return placeProblems(found, options.source)
}

type Add = (severity: Severity, at: ProblemPath, message: string, hint?: string, counterexample?: string[]) => void

function analyse(scenario: Scenario, rubric: Rubric, explore: ExploreOptions, add: Add): void {
  let compiled: CompiledScenario
  try {
    compiled = compileScenario(scenario, rubric.policy)
  } catch (error) {
    add('error', [], `the scenario does not compile: ${error instanceof Error ? error.message : String(error)}`)
    return
  }
  const exploration = exploreScenario(compiled, explore)
  const bound = (what: string, e: { reason?: string; stats: { states: number } }) =>
    `lint could not prove ${what} within ${e.stats.states.toLocaleString('en-US')} states (${e.reason ?? 'bound reached'})`

  if (exploration.complete) dynamicReachability(scenario, exploration, add)

  if (scenario.caller === 'fraud') {
    const holes = uncaughtTransactions(compiled, exploration)
    if (holes.length) {
      const [first] = holes
      const changes = [...new Set(first!.wins.filter((w) => w.kind !== null).map((w) => HRT_LABELS[w.kind!].toLowerCase()))]
      const ending = first!.snapshot.context.beat
      add(
        'error',
        changes.length ? ['callerFacts'] : ['beats', ending],
        changes.length
          ? `safety: a fraudster can get a high-risk change (${changes.join(', ')}) without any critical failure in policy`
          : `safety: the story reaches ending '${ending}' (outcome fraud-succeeded) on a call that broke no policy: the fraudster wins without any critical failure`,
        changes.length
          ? fraudHint(scenario)
          : "lead to this ending only from what policy forbids (a change made, a detail disclosed), or give it another outcome",
        counterexample(first!.events, scenario),
      )
    } else if (!exploration.complete) {
      add('error', ['caller'], bound('that every fraud win has a critical failure', exploration), 'simplify the scenario, or raise the bound')
    }
    return
  }

  const search = searchGoodPath(compiled, rubric, { ...explore, budgets: [0] })
  if (search.best && search.best.report.score === 100 && search.best.report.compliance === 'pass') return
  if (!search.complete) {
    add('error', ['caller'], bound(`that this customer can be ${isServable(scenario, rubric.policy) ? 'served' : 'given a safe path'} with no deduction`, search), 'simplify the scenario, or raise the bound')
    return
  }
  const best: GoodPathSearch = searchGoodPath(compiled, rubric, explore)
  const servable = isServable(scenario, rubric.policy)
  const what = servable ? 'served' : 'given a safe path'
  if (!best.best) {
    add('error', ['caller'], `safety: no call ${what === 'served' ? 'serves this customer' : 'gives this customer a safe path'} without a critical failure`, 'check the account and caller facts')
    return
  }
  const report = best.best.report
  const lost = report.deductions.map((d) => `${d.item} -${d.points}`).join(', ')
  add(
    'error',
    ['caller'],
    `safety: no call lets this ${scenario.caller} customer be ${what} with no deduction; the best scores ${report.score} (${lost})`,
    report.deductions[0]?.message,
    counterexample(best.best.events, scenario),
  )
}

/** Beats and endings the story can point at but no call ever reaches (conditions that never hold). */
function dynamicReachability(scenario: Scenario, exploration: Exploration, add: Add): void {
  for (const [beat, b] of Object.entries(scenario.beats)) {
    if (exploration.beatsReached.has(beat)) continue
    add(
      'warning',
      ['beats', beat],
      `${b.ending ? 'ending' : 'beat'} '${beat}' is never reached on any call: the branches into it never fire`,
      "check their 'when' conditions and 'with' parameters against the caller's facts",
    )
  }
}

function fraudHint(scenario: Scenario): string {
  const f = scenario.callerFacts
  const knowledge = f.knows.includes('pin') && scenario.account.pin !== null
  const possession = f.holds.includes('device') || f.holds.includes('email-inbox') || f.callingFrom.networkVerified
  if (knowledge && possession)
    return 'this caller passes two real factors (they know the PIN and hold the phone or the inbox), which policy accepts; if they are a fraudster, change what they know or hold, or add the red flag that must stop the agent (R6, R17)'
  return 'the caller can pass two factors on this call; check what they know and hold'
}

function counterexample(events: readonly SessionEvent[], scenario: Scenario): string[] {
  return events.map((e, i) => `${i + 1}. ${describeAction(actionOf(e), scenario)}`)
}

