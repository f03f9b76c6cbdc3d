/** What one chart draws: series of points over shared categories. */
export interface ChartPoint {
  /** 0-100 for rates, a count for counts; null where there is nothing to measure (no sessions). */
  value: number | null
  /** How many sessions the value is computed from. */
  count: number
}

export interface ChartSeries {
  id: string
  label: string
  /** One point per category, in category order. */
  points: ChartPoint[]
}
