import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { explorationActions } from '@core/analysis/paths'
import { compileScenario, replay } from '@core/engine/compile'
import type { AgentAction } from '@core/engine/events'
import { scoreSession } from '@core/scoring/scorer'
import { eventsOf } from '@core/testing/scenarios'
import { loadScenarioText } from '@core/scenario/loader'
import { leftOutActionsNeverHelp, lossBoundIsSound, scoreKeyIsSound, worldKeyIsSound } from '@core/testing/soundness'
import { library, rubric, scenarioFiles } from './support/library'

/**
 * Issue 7: path search's state keys and loss bound are sound on every library
 * scenario with the real rubric, not only on the synthetic scenarios of
 * src-core/analysis/paths.test.ts. The same properties, fewer walks each (the
 * library's alphabets are larger), sized so the whole file stays well under a
 * minute here.
 */


const LIBRARY_RUNS = { keys: 150, minCompared: 40, bound: 150, leftOut: 30 }

describe.each(scenarioFiles)('the state keys and the loss bound are sound on %s', (file) => {
  const scenario = loadScenarioText(readFileSync(join(library, file), 'utf8'), `scenarios/library/${file}`)
  const c = compileScenario(scenario, rubric.policy)
  it('same score key, same score after any common continuation', () => scoreKeyIsSound(c, rubric, LIBRARY_RUNS))
  it('same world key, same critical findings and fraud wins after any common continuation', () => worldKeyIsSound(c, LIBRARY_RUNS))
  it('the loss bound never passes the real loss and never falls', () => lossBoundIsSound(c, rubric, LIBRARY_RUNS))
  it('an action the exploration leaves out never helps', () => leftOutActionsNeverHelp(c, rubric, LIBRARY_RUNS))
})

describe('regressions the library properties found', () => {
  it('typed-dob-wrong: a notice sent before the failed-attempt limit counts for A2, so the search tries it there', () => {
    // "An action the exploration leaves out never helps" failed: the search skipped notify-customer until the
    // R7 limit, but A2 counts a notice sent before it too (48 points against 44 on the same call otherwise).
    const file = 'typed-dob-wrong.yaml'
    const c = compileScenario(loadScenarioText(readFileSync(join(library, file), 'utf8'), file), rubric.policy)
    const oneWrongPin: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }]
    const ctx = replay(c, 1, eventsOf(oneWrongPin)).context
    expect(ctx.failedAttempts).toBe(1)
    expect(explorationActions(c, ctx, 'score').map((a) => a.type)).toContain('notify-customer')
    const score = (actions: AgentAction[]) => scoreSession(c, rubric, 1, eventsOf(actions)).score
    const rest: AgentAction[] = [{ type: 'ask-pin' }, { type: 'end-call' }]
    expect(score([...oneWrongPin, { type: 'notify-customer' }, ...rest])).toBeGreaterThan(score([...oneWrongPin, ...rest]))
  })
})
