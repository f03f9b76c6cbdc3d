/**
 * The contract's method names and error type, without the argument schemas.
 * The preload imports only this file: a sandboxed preload is one bundled
 * CommonJS file, and pulling zod into it would multiply its size for nothing
 * (main validates every argument anyway). contract.ts checks that its schemas
 * cover exactly these names.
 */
import { REVIEW_METHOD_NAMES } from './reviewMethods'
import { WORKBENCH_METHOD_NAMES } from './workbenchMethods'

export const API_METHOD_NAMES = [
  'library.list',
  'library.problems',
  'library.get',
  'calls.start',
  'calls.act',
  'calls.view',
  'calls.end',
  'calls.resume',
  'sessions.list',
  'sessions.get',
  ...REVIEW_METHOD_NAMES,
  ...WORKBENCH_METHOD_NAMES,
] as const

export type ApiMethod = (typeof API_METHOD_NAMES)[number]

/** Errors crossing a transport keep a code so the renderer can react, and a message for people. */
/** `not-offered`: the intent was well formed but the console did not offer it at that moment; nothing was stored. */
export const API_ERROR_CODES = ['invalid-argument', 'not-found', 'conflict', 'not-offered', 'storage', 'forbidden', 'internal'] as const
export type ApiErrorCode = (typeof API_ERROR_CODES)[number]

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code)
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && (API_METHOD_NAMES as readonly string[]).includes(name)
}
