import type { Policy } from '../engine/policy'
import { hrtBlocked, isVerified, type CallContext } from '../engine/world'
import type { Scenario } from '../scenario/schema'

/**
 * Practice mode's one hint at a time: the next thing policy asks of the agent.
 * Hints follow the state of the call, never the ground truth: they must not
 * tell a trainee whether the caller is a fraudster.
 */
export function practiceHint(scenario: Scenario, ctx: CallContext, policy: Policy): string | null {
  if (ctx.ended) return null
  if (ctx.attemptLimitSeq !== null && (ctx.flaggedSeq === null || ctx.notifiedSeq === null))
    return 'Failed-attempt limit reached (R7): stop verifying, offer no other questions. Flag the account (F) and notify the customer (M).'
  if (ctx.firstVerificationSeq === null)
    return scenario.channel === 'store'
      ? 'Verify first: scan and validate the photo ID (V), then ask for the PIN (P) or send a code to the line or email of record (O). A look at an ID is not a factor (R14).'
      : 'Verify first: ask for the PIN (P) and send a code to the line or email of record (O). Date of birth, SSN and address are not factors (R3).'
  if (ctx.checkedAccountSeq === null)
    return 'Open the notes, locks and history (N) before you decide: binding notes, recent changes and prior attempts change what you may do (R9, R17).'
  const decided = ctx.deniedSeq !== null || ctx.hrts.length > 0 || ctx.safePaths.length > 0 || ctx.suspendedSeq !== null
  if (!decided) {
    if (isVerified(ctx) && !hrtBlocked(ctx, scenario.account, policy))
      return 'Two factors from different categories. If nothing on the account stops you, you may make the change (H): send the notice and apply the hold (R11, R12).'
    return 'Not yet two valid factors from different categories (R4): no high-risk change. If the caller cannot pass a second one, deny kindly and offer a safe path (A); a protective suspension needs one factor (R13a).'
  }
  if (ctx.deniedSeq !== null && !ctx.safePaths.length)
    return 'A denial needs a safe path (A) and the reason, in non-accusatory words (R20).'
  if (!ctx.notes.length)
    return 'Note the factors used, the outcome, red flags and referrals before you end the call (R19).'
  return null
}
