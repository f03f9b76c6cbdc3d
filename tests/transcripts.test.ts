import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { compileScenario, replay } from '@core/engine/compile'
import { loadScenarioText } from '@core/scenario/loader'
import { scoreSession } from '@core/scoring/scorer'
import { TranscriptFile, transcriptEvents } from '@core/session/transcript'
import { transcriptLines } from '../src-main/cli/report'
import { library, rubric, scenarioFiles } from './support/library'

/**
 * The one golden-transcript runner (after Yarn Spinner's test plans): every
 * `scenarios/library/<id>.transcripts.yaml` is replayed through the scorer and
 * must give the report it states. Every scenario ships at least one good call
 * and one typical mistake.
 */

const transcriptFiles = readdirSync(library)
  .filter((f) => f.endsWith('.transcripts.yaml'))
  .sort()

const loadScenario = (file: string) => loadScenarioText(readFileSync(join(library, file), 'utf8'), `scenarios/library/${file}`)
const loadTranscripts = (file: string) => TranscriptFile.parse(parse(readFileSync(join(library, file), 'utf8'), { maxAliasCount: 0 }))

describe('the library', () => {
  it('has scenarios', () => {
    expect(scenarioFiles.length).toBeGreaterThan(0)
  })

  it.each(scenarioFiles)('%s has golden transcripts: at least one good call and one mistake', (file) => {
    const transcripts = file.replace(/\.yaml$/, '.transcripts.yaml')
    expect(existsSync(join(library, transcripts)), `${transcripts} is missing`).toBe(true)
    const kinds = new Set(loadTranscripts(transcripts).transcripts.map((t) => t.kind))
    expect(kinds.has('good'), 'no good transcript').toBe(true)
    expect(kinds.has('mistake'), 'no mistake transcript').toBe(true)
  })
})

describe.each(transcriptFiles)('%s', (file) => {
  const scenarioFile = file.replace(/\.transcripts\.yaml$/, '.yaml')
  const golden = loadTranscripts(file)
  const scenario = loadScenario(scenarioFile)
  const compiled = compileScenario(scenario, rubric.policy)

  it('belongs to the scenario beside it', () => {
    expect(golden.scenario).toBe(scenario.id)
  })

  it.each(golden.transcripts.map((t) => [t.name, t] as const))('%s', (_name, t) => {
    const events = transcriptEvents(t.actions)
    const report = scoreSession(compiled, rubric, t.seed, events)
    const e = t.expect
    const summary = `${report.compliance} ${report.score}: ${report.deductions.map((d) => `${d.item} -${d.points}`).join(', ') || 'no deductions'}`
    expect(report.compliance, summary).toBe(e.compliance)
    expect(report.score, summary).toBe(e.score)
    if (e.outcome !== undefined) expect(report.outcome.kind, summary).toBe(e.outcome)
    expect(new Set(report.criticalFailures.map((c) => c.id)), summary).toEqual(new Set(e.criticalFailures))
    const items = new Set(report.deductions.filter((d) => !d.item.startsWith('CF')).map((d) => d.item))
    for (const want of e.deductions) expect(items, summary).toContain(want)
    if (e.exactDeductions) expect(items, summary).toEqual(new Set(e.deductions))
    if (e.transcript) expect(transcriptLines(replay(compiled, t.seed, events).context.transcript)).toEqual(e.transcript)
  })
})
