/**
 * The configurable numbers of Northwind Mobile's policy (DOMAIN.md marks them
 * "configurable"). They live in scenarios/rubric.yaml; these defaults are what
 * DOMAIN.md states, used when a caller does not pass a rubric (tests, fuzzing).
 */
export interface Policy {
  /** R3b: an OTP is valid this long. */
  otpValidityMinutes: number
  /** R5: contact details changed more recently than this are not valid destinations for an HRT. */
  recentChangeDays: number
  /** R7: failed factor attempts in one call before the agent must stop. */
  failedAttemptsPerCall: number
  /** R7: failed factor attempts in `attemptWindowHours` across agents before HRTs are blocked. */
  failedAttemptsPer24h: number
  /** R7: the window those attempts are counted over (hours). Optional only for policies written before it was configurable. */
  attemptWindowHours?: number
  /** R7: how long high-risk changes stay blocked once the account is flagged (hours). Optional as above. */
  flagBlockHours?: number
  /** R10 */
  transferPinValidityDays: number
  /** R12 */
  shortHoldMinutes: number
  remoteHoldHours: number
}

export const DEFAULT_POLICY: Policy = {
  otpValidityMinutes: 3,
  recentChangeDays: 30,
  failedAttemptsPerCall: 2,
  failedAttemptsPer24h: 3,
  attemptWindowHours: 24,
  flagBlockHours: 24,
  transferPinValidityDays: 7,
  shortHoldMinutes: 10,
  remoteHoldHours: 24,
}

/** R7's two periods, with DOMAIN.md's 24 hours where a policy predates them. */
export function r7Hours(policy: Policy): { window: number; block: number } {
  return { window: policy.attemptWindowHours ?? DEFAULT_POLICY.attemptWindowHours!, block: policy.flagBlockHours ?? DEFAULT_POLICY.flagBlockHours! }
}
