/**
 * `npm run bench`: every benchmark, each against a baseline measured in the
 * same run. Prints one table per benchmark and writes bench/results.json.
 * Speed targets live here, never in timed tests.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { loadRubric } from '../src-main/services/rubric'
import { benchCalls } from './calls.bench'
import { benchCheck } from './check.bench'
import { benchEngine } from './engine.bench'
import { benchGoodPath } from './goodPath.bench'
import { benchSessionStore } from './sessionStore.bench'
import { benchRenderer } from './renderer.bench'
import { benchReview } from './review.bench'
import { benchWorkbench } from './workbench.bench'
import type { BenchResult } from './types'

async function main() {
  const rubric = loadRubric(join(__dirname, '..', 'scenarios', 'rubric.yaml'))
  const only = process.argv.slice(2)
  const suites: Array<[string, () => Promise<BenchResult>]> = [
    ['engine', () => benchEngine(rubric)],
    ['good-path', () => benchGoodPath(rubric)],
    ['check', () => benchCheck(rubric)],
    ['store', () => benchSessionStore()],
    ['calls', () => benchCalls()],
    ['renderer', () => benchRenderer()],
    ['review', () => benchReview(rubric)],
    ['workbench', () => benchWorkbench()],
  ]
  const results: BenchResult[] = []
  for (const [key, run] of suites) {
    if (only.length && !only.includes(key)) continue
    process.stdout.write(`\n${key}: running...\n`)
    const result = await run()
    results.push(result)
    print(result)
  }
  const out = join(__dirname, 'results.json')
  // A run of some suites (`npm run bench -- review`) replaces their entries and keeps the others' as they were.
  const written = only.length ? mergedResults(out, results) : results
  writeFileSync(out, JSON.stringify({ when: new Date().toISOString(), node: process.version, cpus: cpus().length, results: written }, null, 2) + '\n')
  process.stdout.write(`\nwrote ${out}\n`)
}

/** The last results.json with this run's suites in their place (and any new one at the end). */
function mergedResults(file: string, fresh: BenchResult[]): BenchResult[] {
  const last = existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { results?: BenchResult[] }).results ?? []) : []
  return [...last.map((r) => fresh.find((f) => f.name === r.name) ?? r), ...fresh.filter((f) => !last.some((r) => r.name === f.name))]
}

function print(result: BenchResult) {
  const rows = result.rows.map((r) => [
    r.metric,
    `${r.value} ${r.unit}`,
    r.baseline === undefined ? '' : `${r.baseline} ${r.unit}`,
    r.ratio === undefined ? '' : `${r.ratio}x`,
    r.target ?? '',
  ])
  const head = ['metric', 'value', 'baseline', 'ratio', 'target']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  process.stdout.write(`\n${result.name}\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`)
  for (const r of rows) process.stdout.write(line(r) + '\n')
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
