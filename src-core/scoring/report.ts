import type { Tactic } from '../scenario/vocabulary'
import type { Claim } from './claims'

/** A policy violation or a missed expectation, tied to the step where it happened. */
export interface Deduction {
  /** Rubric item ("A1", "B2", "OUT-false-positive", ...) or critical failure ("CF1"). */
  item: string
  /** Policy rule the deduction rests on ("R4"). */
  rule: string
  points: number
  /** The event that caused it; null when it is about something never done. */
  seq: number | null
  /** One sentence a trainee understands. */
  message: string
  /** What the sentence asserts about the call, each checkable against the log (claims.ts: claimHolds). */
  claims: Claim[]
}

export interface CriticalFailure {
  id: string
  rule: string
  title: string
  seq: number
  message: string
  claims: Claim[]
}

export interface ItemScore {
  id: string
  title: string
  max: number
  score: number
  applicable: boolean
}

export interface SectionScore {
  id: string
  title: string
  max: number
  score: number
  items: ItemScore[]
}

export interface TacticOutcome {
  tactic: Tactic
  /** Event after which the caller used it; 0 for the opening. */
  seq: number
  beat: string
  countered: boolean
}

export type OutcomeKind =
  | 'fraud-won'
  | 'hrt-performed'
  | 'compromised'
  | 'served-safely'
  | 'denied-with-safe-path'
  | 'denied'
  | 'abandoned'

export interface ScoreReport {
  scenarioId: string
  rubricVersion: number
  engineVersion: number
  callerType: 'fraud' | 'legitimate' | 'ambiguous'
  /**
   * The verdict of a call that ended; null for one that never did (ARCHITECTURE.md: a call that did
   * not end has no verdict). Its deductions are still listed, false positives and victim checks included.
   */
  verdict: { compliance: 'pass' | 'fail'; score: number } | null
  /** The verdict's compliance; 'fail' for a call with no verdict, so it can never read as passed. Show `verdict`. */
  compliance: 'pass' | 'fail'
  /** The verdict's score, 0..100 (0 whenever a critical failure occurred); 0 for a call with no verdict. */
  score: number
  /** What the weighted items and adjustments add up to, before critical failures zero it. */
  weightedScore: number
  outcome: { kind: OutcomeKind; label: string }
  criticalFailures: CriticalFailure[]
  sections: SectionScore[]
  /** Every deduction in call order, weighted items and outcome adjustments alike. */
  deductions: Deduction[]
  tactics: TacticOutcome[]
  ended: boolean
  eventCount: number
  durationMs: number
}
