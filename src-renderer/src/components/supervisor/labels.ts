import type { CallerType } from '@core/scenario/vocabulary'
import type { OutcomeKind } from '@core/scoring/report'
import type { ReviewStateName } from '@core/api/contract'

/** Words for the review's codes, one place for every supervisor screen. */

export const REVIEW_STATE_LABELS: Record<ReviewStateName, string> = {
  none: 'Not for review',
  'awaiting-review': 'Awaiting review',
  'in-review': 'In review',
  'signed-off': 'Signed off',
  published: 'Published',
  acknowledged: 'Acknowledged',
  disputed: 'Disputed',
  resolved: 'Dispute ruled',
}

/** A badge class per state: waiting states warn, finished ones are calm. */
export const REVIEW_STATE_BADGE: Record<ReviewStateName, string> = {
  none: '',
  'awaiting-review': 'badge--warn',
  'in-review': 'badge--active',
  'signed-off': 'badge--active',
  published: 'badge--ok',
  acknowledged: 'badge--ok',
  disputed: 'badge--danger',
  resolved: 'badge--ok',
}

export const OUTCOME_LABELS: Record<OutcomeKind, string> = {
  'fraud-won': 'Fraudster got a change',
  'hrt-performed': 'Change made',
  compromised: 'Account compromised',
  'served-safely': 'Served safely',
  'denied-with-safe-path': 'Denied, safe path offered',
  denied: 'Denied',
  abandoned: 'Abandoned',
}

export const CALLER_TYPE_LABELS: Record<CallerType, string> = {
  fraud: 'Fraudster',
  legitimate: 'Real customer',
  ambiguous: 'Ambiguous',
}

/** A select's options from a list of codes and their words. */
export function optionsOf<T extends string>(values: readonly T[], labels: Record<T, string>): Array<{ value: T; label: string }> {
  return values.map((value) => ({ value, label: labels[value] }))
}

export const TIER_OPTIONS = [
  { value: '1', label: 'Tier 1' },
  { value: '2', label: 'Tier 2' },
  { value: '3', label: 'Tier 3' },
] as const

/** "2 min 05 s", "48 s": how long a decision took. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  return `${m} min ${String(s % 60).padStart(2, '0')} s`
}

/** yyyy-mm-dd of a local date, for <input type="date">. */
export function dateInputValue(epochMs: number | undefined): string {
  if (epochMs === undefined) return ''
  const d = new Date(epochMs)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** The start of a local day from <input type="date">'s value; `endOfDay` gives the next midnight. */
export function dateFromInput(value: string, endOfDay = false): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return undefined
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (endOfDay ? 1 : 0))
  return d.getTime()
}
