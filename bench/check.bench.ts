/**
 * `check` of the whole library with every golden transcript, through the real
 * command (`run(['check', 'scenarios/library'])`: the worker parser, the
 * structural checks, the safety properties and the replays), median of 3.
 * Beside it, measured in the same run, the replays alone (every transcript
 * read, replayed and compared in process), so the table shows what replaying
 * costs and what is the linter's path analysis.
 * Target (issue 10): under 3 s on this machine.
 */
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { readdirSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { compileScenario } from '@core/engine/compile'
import { loadScenarioText } from '@core/scenario/loader'
import type { Rubric } from '@core/scoring/rubric'
import { readGoldenFile, replayGoldenFile } from '@core/session/goldenCheck'
import { run } from '../src-main/cli/run'
import { median, type BenchResult } from './types'

const root = join(__dirname, '..')
const library = join(root, 'scenarios', 'library')

async function timeCheck(): Promise<number> {
  let err = ''
  const t0 = performance.now()
  const code = await run(['check', 'scenarios/library'], { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, stdin: Readable.from([]), cwd: root })
  const ms = performance.now() - t0
  if (code !== 0) throw new Error(`check failed:\n${err}`)
  return ms
}

function timeReplays(rubric: Rubric, files: string[]): { ms: number; transcripts: number } {
  const t0 = performance.now()
  let transcripts = 0
  for (const f of files) {
    const scenario = loadScenarioText(readFileSync(join(library, f.replace(/\.transcripts\.yaml$/, '.yaml')), 'utf8'), f)
    const read = readGoldenFile(parse(readFileSync(join(library, f), 'utf8')))
    if (!read.file) throw new Error(`${f} does not read`)
    const checked = replayGoldenFile(compileScenario(scenario, rubric.policy), rubric, read.file)
    if (checked.problems.some((p) => p.severity === 'error')) throw new Error(`${f} is not met`)
    transcripts += checked.results.length
  }
  return { ms: performance.now() - t0, transcripts }
}

export async function benchCheck(rubric: Rubric): Promise<BenchResult> {
  const files = readdirSync(library).filter((f) => f.endsWith('.transcripts.yaml'))
  const scenarios = readdirSync(library).filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml')).length
  const full: number[] = []
  const replays: number[] = []
  let transcripts = 0
  for (let i = 0; i < 3; i++) {
    full.push(await timeCheck())
    const r = timeReplays(rubric, files)
    replays.push(r.ms)
    transcripts = r.transcripts
  }
  const fullMs = Math.round(median(full))
  const replayMs = Math.round(median(replays))
  return {
    name: `check of the library: ${scenarios} scenarios, ${transcripts} golden transcripts in ${files.length} files (median of 3)`,
    rows: [
      { metric: 'npm run scenarios -- check scenarios/library', value: fullMs, unit: 'ms', target: '< 3000 ms' },
      { metric: 'of which: reading and replaying every transcript', value: replayMs, unit: 'ms', baseline: fullMs, ratio: Math.round((replayMs / fullMs) * 100) / 100 },
    ],
  }
}
