import { z } from 'zod'
import type { Policy } from '../engine/policy'

const ruleId = z.string().regex(/^R([1-9]|1[0-9]|2[01])$/, 'a policy rule id R1..R21')
const item = z.strictObject({ id: z.string(), points: z.number().int().min(0).max(100), rule: ruleId, title: z.string().min(1) })

export const Rubric = z.strictObject({
  version: z.number().int().min(1),
  policy: z.strictObject({
    otpValidityMinutes: z.number().positive(),
    recentChangeDays: z.number().int().positive(),
    failedAttemptsPerCall: z.number().int().positive(),
    failedAttemptsPer24h: z.number().int().positive(),
    attemptWindowHours: z.number().positive().optional(),
    flagBlockHours: z.number().positive().optional(),
    transferPinValidityDays: z.number().int().positive(),
    shortHoldMinutes: z.number().positive(),
    remoteHoldHours: z.number().positive(),
  }) satisfies z.ZodType<Policy>,
  criticalFailures: z.array(z.strictObject({ id: z.string().regex(/^CF[0-9]+$/), rule: ruleId, title: z.string().min(1) })),
  sections: z.array(z.strictObject({ id: z.string(), title: z.string().min(1), items: z.array(item).min(1) })),
  adjustments: z.array(item),
})
export type Rubric = z.output<typeof Rubric>
export type RubricItem = z.output<typeof item>

/** The ids a golden transcript may expect: the critical failures, and the rubric's items and adjustments. */
export function rubricIds(rubric: Rubric): { criticalFailures: string[]; deductions: string[] } {
  return {
    criticalFailures: rubric.criticalFailures.map((c) => c.id),
    deductions: [...rubric.sections.flatMap((s) => s.items.map((i) => i.id)), ...rubric.adjustments.map((a) => a.id)],
  }
}
