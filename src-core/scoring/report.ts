import type { Tactic } from '../scenario/vocabulary'

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
}

export interface CriticalFailure {
  id: string
  rule: string
  title: string
  seq: number
  message: string
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
  compliance: 'pass' | 'fail'
  /** Overall quality, 0..100; 0 whenever a critical failure occurred. */
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
