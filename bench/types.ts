/** One benchmark's table. `baseline` is measured in the same run, never remembered from an earlier one. */
export interface BenchRow {
  metric: string
  value: number
  unit: string
  baseline?: number
  ratio?: number
  target?: string
}

export interface BenchResult {
  name: string
  rows: BenchRow[]
  /** When this table was measured, and the machine's load averages (1, 5, 15 min) then: set by run.ts. */
  when?: string
  load?: number[]
}

export function timeIt(fn: () => void): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

export function median(xs: number[]): number {
  return percentile(xs, 0.5)
}

export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b)
  if (!sorted.length) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}
