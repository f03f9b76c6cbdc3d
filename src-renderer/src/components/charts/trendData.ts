import type { SessionQuery, TrendBucket, TrendSeries as ApiSeries } from '@core/api/contract'
import type { ChartPoint, ChartSeries } from './chartTypes'

/**
 * Turns main's trend series (points at bucket starts) into one category axis
 * shared by every line, with the filter behind each point kept beside it so a
 * click can open exactly those sessions.
 */
export interface ChartModel {
  categories: string[]
  series: ChartSeries[]
  /** filters[series][category]: the sessions behind that point, or null where there are none. */
  filters: Array<Array<SessionQuery | null>>
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Bucket starts are UTC; the label says which day, week or month. */
export function bucketLabel(at: number, bucket: TrendBucket): string {
  const d = new Date(at)
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`
  if (bucket === 'month') return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
  if (bucket === 'week') return `Wk of ${day}`
  return day
}

export function timeChart(input: ApiSeries[], bucket: TrendBucket): ChartModel {
  const times = [...new Set(input.flatMap((s) => s.points.map((p) => p.at)))].sort((a, b) => a - b)
  const series: ChartSeries[] = []
  const filters: ChartModel['filters'] = []
  for (const s of input) {
    const byAt = new Map(s.points.map((p) => [p.at, p]))
    series.push({
      id: s.key,
      label: s.label,
      points: times.map((t): ChartPoint => {
        const p = byAt.get(t)
        return p && p.sessions > 0 ? { value: p.rate * 100, count: p.sessions } : { value: null, count: 0 }
      }),
    })
    filters.push(times.map((t) => byAt.get(t)?.filter ?? null))
  }
  return { categories: times.map((t) => bucketLabel(t, bucket)), series, filters }
}

/** The few series with the most sessions, or just the one asked for: a chart of 200 lines says nothing. */
export function pickSeries(input: ApiSeries[], focus: string, max = 5): ApiSeries[] {
  if (focus) return input.filter((s) => s.key === focus || s.label === focus)
  const total = (s: ApiSeries) => s.points.reduce((n, p) => n + p.sessions, 0)
  return [...input].sort((a, b) => total(b) - total(a)).slice(0, max)
}
