/**
 * The names of the supervisor-review methods (issue 9), without their
 * schemas: methods.ts spreads them into API_METHOD_NAMES, so the preload
 * exposes them without importing zod. review.ts holds the schemas and types.
 */
export const REVIEW_METHOD_NAMES = [
  // Who is at the keyboard: a trainee profile, or a supervisor behind the passphrase.
  'profiles.list',
  'profiles.create',
  'profiles.select',
  'role.get',
  'role.unlock',
  'role.lock',
  'role.setPassphrase',
  // Finding sessions.
  'sessions.query',
  'review.queue',
  // One session: replay, the review thread, acting on it.
  'review.open',
  'review.step',
  'review.act',
  'calibration.report',
  'trends.get',
  'trends.progress',
  'coaching.assign',
  'coaching.list',
  'exports.chooseFolder',
  'exports.sessionsCsv',
  'exports.rulesCsv',
  'exports.sessionPdf',
  'exports.printView',
  'exports.progress',
  'exports.cancel',
] as const

export type ReviewMethod = (typeof REVIEW_METHOD_NAMES)[number]

/** Methods a trainee may call; every other review method needs supervisor mode and refuses with 'forbidden'. */
export const TRAINEE_REVIEW_METHODS = [
  'profiles.list',
  'profiles.create',
  'profiles.select',
  'role.get',
  'role.unlock',
  'role.lock',
  'role.setPassphrase',
  'sessions.query',
  'review.open',
  'review.step',
  'review.act',
  'coaching.list',
  'exports.printView',
] as const satisfies readonly ReviewMethod[]
