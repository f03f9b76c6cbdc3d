import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadRubric } from '../../src-main/services/rubric'

/** The repository, the scenario library and the real rubric, for the tests that run over the whole library. */
export const root = fileURLToPath(new URL('../..', import.meta.url))
export const library = join(root, 'scenarios/library')
export const rubric = loadRubric(join(root, 'scenarios/rubric.yaml'))

/** The library's scenario files (not their transcripts), in name order. */
export const scenarioFiles: string[] = readdirSync(library)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))
  .sort()
