import type { BreachKind, CallContext, Finding } from '../engine/world'

/**
 * What each breach the world model records costs: the rubric id it is scored
 * under (scenarios/rubric.yaml). A critical failure id ("CF1") fails the call;
 * an item id ("A1") takes points off that item. The one place the engine's
 * findings meet the rubric's ids.
 */
export const BREACH_ITEM: Record<BreachKind, string> = {
  'attempt-after-limit': 'A1',
  'easier-question-after-failure': 'A1',
  'suspend-without-factor': 'A1',
  'unverified-caller-id': 'A5',
  'no-notice': 'A4',
  'no-hold': 'A4',
  'hrt-unverified': 'CF1',
  'hrt-while-blocked': 'CF1',
  'code-to-invalid-destination': 'CF2',
  'data-disclosed': 'CF3',
  'account-number-disclosed': 'CF6',
  'transfer-data-unverified': 'CF6',
  'destination-not-of-record': 'CF2',
  'lock-removed': 'CF4',
  'lock-bypassed': 'CF4',
  'third-party-answered': 'A5',
  'third-party-request': 'CF5',
  'binding-note-overridden': 'CF4',
  'authority-bypass': 'CF5',
  'verified-through-hijacked-line': 'CF7',
  'order-left-pending': 'CF7',
  'offer-accepted': 'CF8',
  // A look at an ID is the wrong factor, like an easier question (A1); a change made on it is CF1 anyway.
  'id-not-scanned': 'A1',
}

/** The rubric id a finding is scored under. */
export function itemOf(finding: Finding): string {
  return BREACH_ITEM[finding.kind]
}

export function isCritical(finding: Finding): boolean {
  return itemOf(finding).startsWith('CF')
}

/** The findings scored under one rubric id. */
export function findingsUnder(ctx: CallContext, item: string): Finding[] {
  return ctx.findings.filter((f) => itemOf(f) === item)
}

/** Has the call a critical failure among its findings? (The scorer adds the fraud-win rule on top: see scorer.ts.) */
export function hasCriticalFinding(ctx: CallContext): boolean {
  return ctx.findings.some(isCritical)
}
