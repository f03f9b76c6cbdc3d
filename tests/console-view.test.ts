import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileScenario } from '@core/engine/compile'
import { exploreScenario } from '@core/analysis/paths'
import { realiseScenario } from '@core/engine/variation'
import { accountDataIn } from '@core/scenario/disclosure'
import { loadScenarioText } from '@core/scenario/loader'
import { consoleView, type ConsoleView } from '@core/session/consoleView'
import { answerKeyLeaks } from '@core/testing/answerKey'
import { library, rubric, scenarioFiles } from './support/library'

/**
 * The console view over every reachable state of every library scenario: an
 * assessment shows what the system did and never coaches (no rule cited, no
 * advice, no hint), and no mode shows the answer key before the call ends.
 */

const files = scenarioFiles

const RULE_CITATION = /\bR\d{1,2}[a-z]?\b/
/** Words that tell the agent what to do or what policy thinks, rather than what the system did. */
const ADVICE = /\b(policy|should|must|stop verifying|not an authentication factor|warning|do not|never)\b/i

function views(file: string) {
  const scenario = loadScenarioText(readFileSync(join(library, file), 'utf8'), `scenarios/library/${file}`)
  const compiled = compileScenario(scenario, rubric.policy)
  const exploration = exploreScenario(compiled, { maxStates: 4000 })
  const states = exploration.states.map((s) => ({ snapshot: s.snapshot, events: exploration.pathTo(s.key) }))
  const of = (mode: 'practice' | 'assessment') => states.map(({ snapshot, events }) => consoleView({ compiled, snapshot, events, mode }))
  return { scenario, states, assessment: of('assessment'), practice: of('practice') }
}

/** The texts of a view a trainee reads as the console's own voice: system lines, hint, chooser details. */
function consoleVoice(view: ConsoleView): string[] {
  return [
    ...view.transcript.filter((l) => l.speaker !== 'caller' && l.speaker !== 'agent').map((l) => l.text),
    ...(view.hint ? [view.hint] : []),
    ...Object.values(view.options).flatMap((options) => options.flatMap((o) => (o.detail ? [o.detail] : []))),
  ]
}

describe.each(files)('%s', (file) => {
  const { scenario, states, assessment, practice } = views(file)

  it('has many reachable states to check', () => {
    expect(states.length).toBeGreaterThan(20)
  })

  it('an assessment view never cites a rule or gives advice, in any reachable state', () => {
    for (const view of assessment) {
      const json = JSON.stringify(view)
      expect(json, `step ${view.step}`).not.toMatch(RULE_CITATION)
      expect(view.hint).toBeNull()
      expect(view.transcript.filter((l) => l.speaker === 'policy')).toEqual([])
      for (const text of consoleVoice(view)) expect(text).not.toMatch(ADVICE)
    }
  })

  it('no view, in either mode, carries the caller type or the ground truth', () => {
    for (const view of [...assessment, ...practice]) expect(answerKeyLeaks(view, [scenario])).toEqual([])
  })

  it('shows the account only once the system accepted two factors (R2)', () => {
    for (const view of assessment) {
      if (!view.account.authenticated) expect(view.account.details).toBeNull()
      if (view.account.details) expect(view.verification.accepted.length).toBeGreaterThanOrEqual(2)
    }
  })

  it('shows none of the account data it hides, anywhere, before two factors (R2): not in a phrasing on offer, not in what the agent or the system said', () => {
    for (const [i, view] of practice.entries()) {
      if (view.account.authenticated) continue
      const { account } = realiseScenario(scenario, states[i]!.snapshot.context.seed)
      const shown = [...view.choices.map((c) => c.text), ...view.transcript.filter((l) => l.speaker !== 'caller').map((l) => l.text)]
      for (const text of shown) expect(accountDataIn(text, account), `step ${view.step}: ${text}`).toBeNull()
    }
  })

  it('never offers a phrasing twice', () => {
    for (const [i, view] of assessment.entries()) {
      const said = new Set(states[i]!.snapshot.context.phrasing.map((p) => p.choice))
      expect(view.choices.filter((c) => said.has(c.id))).toEqual([])
    }
  })
})

describe('practice mode still coaches', () => {
  it('adds the rule beside what the system did, where assessment shows the fact alone', () => {
    const { practice, assessment } = views('typed-dob-wrong.yaml')
    const coached = practice.filter((v) => v.transcript.some((l) => l.speaker === 'policy' && RULE_CITATION.test(l.text)))
    expect(coached.length).toBeGreaterThan(0)
    expect(practice.some((v) => v.hint !== null)).toBe(true)
    const facts = assessment.flatMap((v) => v.transcript.filter((l) => l.speaker === 'system').map((l) => l.text))
    expect(facts).toContain('Failed-attempt limit reached (2 in this call, 2 in 24 h).')
  })
})
