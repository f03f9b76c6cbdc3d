import { ApiError, isApiErrorCode, type ApiErrorCode, type ApiMethod } from '@core/api/methods'

/**
 * The error codec of both transports (an ApiError as plain data: the bridge
 * sends it as JSON, IPC inside an Error message) and the IPC channel names
 * ipc.ts and the preload share. Zod-free on purpose: the preload bundles
 * everything it imports.
 */

export { isApiErrorCode }

export function channelFor(method: ApiMethod): string {
  return `api:${method}`
}

/** An ApiError reduced to plain data: what survives structured clone and contextBridge. */
export interface ApiErrorData {
  name: 'ApiError'
  code: ApiErrorCode
  message: string
}

export function toApiErrorData(error: unknown): ApiErrorData {
  if (error instanceof ApiError && isApiErrorCode(error.code)) return { name: 'ApiError', code: error.code, message: error.message }
  const message = error instanceof Error && error.message ? error.message : 'Unexpected failure inside the app.'
  return { name: 'ApiError', code: 'internal', message }
}

/**
 * Electron passes only the message of a rejected handler's error to the
 * renderer, wrapped as "Error invoking remote method 'api:x': Error: <message>".
 * So the code and message travel as JSON after a marker inside that message.
 */
const IPC_ERROR_MARKER = 'PRETEXT_API_ERROR'

export function encodeIpcError(error: unknown): Error {
  const { code, message } = toApiErrorData(error)
  return new Error(`${IPC_ERROR_MARKER}${JSON.stringify({ code, message })}`)
}

export function decodeIpcError(error: unknown): ApiErrorData {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : ''
  const at = text.indexOf(IPC_ERROR_MARKER)
  if (at >= 0) {
    try {
      const data: unknown = JSON.parse(text.slice(at + IPC_ERROR_MARKER.length))
      if (typeof data === 'object' && data !== null) {
        const { code, message } = data as { code?: unknown; message?: unknown }
        if (isApiErrorCode(code) && typeof message === 'string') return { name: 'ApiError', code, message }
      }
    } catch {
      // fall through: not one of ours
    }
  }
  return { name: 'ApiError', code: 'internal', message: text || 'The request to the app failed.' }
}

