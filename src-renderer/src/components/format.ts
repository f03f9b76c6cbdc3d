import type { Tactic } from '@core/scenario/vocabulary'
import type { SessionStatus } from '@core/api/contract'

/** "breach-data" → "Breach data". Tactic ids are written for authors; trainees read these. */
export const TACTIC_LABELS: Record<Tactic, string> = {
  urgency: 'Urgency',
  sympathy: 'Sympathy',
  'authority-staff': 'Staff authority claim',
  'authority-police': 'Police authority claim',
  intimidation: 'Intimidation',
  'breach-data': 'Breach data',
  'pre-staged-knowledge': 'Pre-staged knowledge',
  'read-back-fishing': 'Read-back fishing',
  'claimed-enrolment-error': 'Claimed enrolment error',
  'otp-relay': 'Code relay',
  'agent-shopping': 'Agent shopping',
  'caller-id-spoofing': 'Caller-ID spoofing',
  'contact-pivot': 'Contact pivot',
  'insider-bribery': 'Insider bribery',
  'third-party-coaching': 'Third-party coaching',
  'fake-id': 'Fake ID',
}

/** 222000 → "03:42" (or "1:03:42" past an hour). */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const mm = String(m).padStart(2, '0')
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs)
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

export const STATUS_LABELS: Record<SessionStatus, string> = {
  active: 'In progress',
  finished: 'Finished',
  interrupted: 'Interrupted',
}

/** Points as the report shows them: no trailing ".0". */
/** A count as people read it: 100,000, not 100000. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

/** How much of `whole` is done, in whole percent (0 while the whole is not known). */
export function percentDone(done: number, whole: number): number {
  return whole > 0 ? Math.floor((done / whole) * 100) : 0
}

export function formatPoints(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1)
}

export { formatAmount } from '@core/session/wording'
