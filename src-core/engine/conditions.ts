import type { Condition, Scenario } from '../scenario/schema'
import type { Policy } from './policy'
import { hrtBlocked, isVerified, validFactorCount, type CallContext } from './world'

export interface ConditionScope {
  scenario: Scenario
  policy: Policy
  context: CallContext
}

/**
 * The only interpreter of scenario conditions. Conditions are data (a closed
 * set of forms, checked by the schema), never code.
 */
export function evaluateCondition(cond: Condition, scope: ConditionScope): boolean {
  const { context, scenario, policy } = scope
  if ('all' in cond) return cond.all.every((c) => evaluateCondition(c, scope))
  if ('any' in cond) return cond.any.some((c) => evaluateCondition(c, scope))
  if ('not' in cond) return !evaluateCondition(cond.not, scope)
  if ('verified' in cond) return isVerified(context) === cond.verified
  if ('factors' in cond) return validFactorCount(context) >= cond.factors
  if ('failedAttempts' in cond) return context.failedAttempts >= cond.failedAttempts
  if ('did' in cond) return context.did.includes(cond.did)
  if ('holds' in cond) return scenario.callerFacts.holds.includes(cond.holds)
  if ('knows' in cond) return scenario.callerFacts.knows.includes(cond.knows)
  if ('hrtBlocked' in cond) return hrtBlocked(context, scenario.account, policy) === cond.hrtBlocked
  const never: never = cond
  throw new Error(`unknown condition ${JSON.stringify(never)}`)
}
