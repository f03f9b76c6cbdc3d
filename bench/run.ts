/**
 * `npm run bench`: every benchmark, each against a baseline measured in the
 * same run. Prints one table per benchmark and writes bench/results.json.
 * Speed targets live here, never in timed tests.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { loadRubric } from '../src-main/services/rubric'
import { benchCalls } from './calls.bench'
import { benchCheck } from './check.bench'
import { benchEngine } from './engine.bench'
import { benchGoodPath } from './goodPath.bench'
import { benchLint } from './lint.bench'
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
    ['lint', () => benchLint(rubric)],
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
    result.when = new Date().toISOString()
    result.load = loadavg().map((l) => Math.round(l * 100) / 100)
    results.push(result)
    print(result)
  }
  const out = join(__dirname, 'results.json')
  // A run of some suites (`npm run bench -- review`) replaces their tables and keeps the others' last figures.
  const kept = only.length && existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { results?: BenchResult[] }).results ?? [] : []
  const merged = [...kept.filter((k) => !results.some((r) => r.name === k.name)), ...results]
  writeFileSync(
    out,
    JSON.stringify({ when: new Date().toISOString(), node: process.version, cpus: cpus().length, results: merged }, null, 2) + '\n',
  )
  process.stdout.write(`\nwrote ${out}\n`)
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
