import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { advance, compileScenario, replay, startCall } from '@core/engine/compile'
import { loadScenarioText } from '@core/scenario/loader'
import type { Rubric } from '@core/scoring/rubric'
import type { SessionEvent } from '@core/session/events'
import { LIBRARY, libraryFiles } from './library'
import type { BenchResult } from './types'
import { median, percentile, timeIt } from './types'


/** 1,000 scenario files: the library's, each copied under a fresh id (the id is the only line that changes). */
function corpus(): Array<{ file: string; text: string }> {
  const sources = libraryFiles().map((f) => readFileSync(join(LIBRARY, f), 'utf8'))
  return Array.from({ length: 1000 }, (_, i) => {
    const text = sources[i % sources.length]!.replace(/^id: (.*)$/m, (_m, id: string) => `id: ${id}-${i}`)
    return { file: `bench-${i}.yaml`, text }
  })
}

/** A long call: 200 actions cycling through the vocabulary, never ending the call. */
function longSession(): SessionEvent[] {
  const cycle: Array<Record<string, unknown>> = [
    { type: 'check-account' },
    { type: 'ask-knowledge', question: 'dob' },
    { type: 'send-otp', to: 'email-of-record' },
    { type: 'escalate', team: 'supervisor' },
    { type: 'note', items: ['factors'], text: 'bench' },
    { type: 'offer-safe-path', path: 'store-with-id' },
    { type: 'notify-customer' },
    { type: 'say', choice: 'no-such-choice' },
  ]
  return Array.from({ length: 200 }, (_, i) => ({ ...cycle[i % cycle.length], seq: i + 1, at: 1_000_000 + i * 1000 }) as SessionEvent)
}

export async function benchEngine(rubric: Rubric): Promise<BenchResult> {
  const files = corpus()

  // Baseline: YAML parse alone, the floor any loader pays.
  const parseMs = timeIt(() => {
    for (const f of files) parseDocument(f.text, { uniqueKeys: true })
  })
  const loadMs = timeIt(() => {
    for (const f of files) loadScenarioText(f.text, f.file)
  })
  const scenarios = files.map((f) => loadScenarioText(f.text, f.file))
  const compileMs = timeIt(() => {
    for (const s of scenarios) compileScenario(s, rubric.policy)
  })

  const compiled = compileScenario(scenarios[0]!, rubric.policy)
  const events = longSession()
  // Step cost: advance one event at a time over the long session, many times.
  const stepTimes: number[] = []
  for (let round = 0; round < 20; round++) {
    let snap = startCall(compiled, round)
    for (const e of events) {
      const t0 = performance.now()
      snap = advance(compiled, snap, e)
      stepTimes.push(performance.now() - t0)
    }
  }
  const replayTimes = Array.from({ length: 30 }, (_, i) => timeIt(() => replay(compiled, i, events)))

  const loadAndCompile = loadMs + compileMs
  return {
    name: 'Scenario engine',
    rows: [
      { metric: 'YAML parse alone, 1,000 files (baseline)', value: round(parseMs), unit: 'ms' },
      { metric: 'load + validate, 1,000 files', value: round(loadMs), unit: 'ms', baseline: round(parseMs), ratio: round(loadMs / parseMs) },
      { metric: 'load + validate + compile, 1,000 files', value: round(loadAndCompile), unit: 'ms', baseline: round(parseMs), ratio: round(loadAndCompile / parseMs), target: '≤ 3x YAML parse' },
      { metric: 'engine step (median)', value: round(median(stepTimes) * 1000), unit: 'µs', target: '< 100 µs' },
      { metric: 'engine step (p99)', value: round(percentile(stepTimes, 0.99) * 1000), unit: 'µs' },
      { metric: 'replay of a 200-event session (median)', value: round(median(replayTimes)), unit: 'ms', target: '< 20 ms' },
    ],
  }
}

const round = (n: number) => Math.round(n * 100) / 100
