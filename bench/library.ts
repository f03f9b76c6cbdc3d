import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadScenarioText } from '@core/scenario/loader'
import type { Scenario } from '@core/scenario/schema'

/** The scenario library the benchmarks measure. */
export const LIBRARY = join(__dirname, '..', 'scenarios', 'library')

/** The library's scenario files (not their transcripts), in name order. */
export function libraryFiles(): string[] {
  return readdirSync(LIBRARY)
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))
    .sort()
}

/** Every library scenario, loaded and validated. */
export function libraryScenarios(): Scenario[] {
  return libraryFiles().map((f) => loadScenarioText(readFileSync(join(LIBRARY, f), 'utf8'), f))
}
