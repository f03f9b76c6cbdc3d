import type { IpcMain, IpcMainInvokeEvent } from 'electron'
import { API_METHOD_NAMES, ApiError, parseApiArgs } from '@core/api/contract'
import type { ApiErrorCode, ApiMethod, PretextApi } from '@core/api/contract'

/**
 * Electron IPC transport of the contract: one `api:<method>` channel per
 * method, each checking who is calling and what it sent before the service
 * sees anything. Also home of the error codec the preload decodes with, and of
 * the dispatch step the loopback bridge shares.
 */

export function channelFor(method: ApiMethod): string {
  return `api:${method}`
}

/** Exhaustive at compile time: adding a code to the contract fails the build until it is listed here. */
const ERROR_CODES: Record<ApiErrorCode, true> = {
  'invalid-argument': true,
  'not-found': true,
  conflict: true,
  storage: true,
  forbidden: true,
  internal: true,
}

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code)
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

/** Validate the raw argument and call the service: the one dispatch step of both transports. */
export async function dispatchApiCall(services: PretextApi, method: ApiMethod, rawArgs: unknown): Promise<unknown> {
  const args = parseApiArgs(method, rawArgs)
  // One cast: TypeScript cannot correlate `method` with the matching args type inside the union.
  const call = services[method] as (args: unknown) => Promise<unknown>
  return await call.call(services, args)
}

/** "scheme://host[:port]" of a URL, or null when it has none (file:, about:, data:) or carries credentials. */
export function originOf(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.host === '' || parsed.username !== '' || parsed.password !== '') return null
  return `${parsed.protocol}//${parsed.host}`
}

export interface IpcOptions {
  /** The app's own origin, app://pretext. */
  allowedOrigin: string
  /** electron-vite dev server (ELECTRON_RENDERER_URL); pass only when not packaged. */
  devServerUrl?: string | undefined
}

type Sender = Pick<IpcMainInvokeEvent, 'senderFrame'>

export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, services: PretextApi, options: IpcOptions): void {
  const allowed = new Set([options.allowedOrigin])
  if (options.devServerUrl) {
    const devOrigin = originOf(options.devServerUrl)
    if (devOrigin) allowed.add(devOrigin)
  }
  const isAllowedSender = (event: Sender): boolean => {
    // senderFrame is null once the frame navigated away or was destroyed: refuse.
    const url = event.senderFrame?.url
    const origin = url === undefined ? null : originOf(url)
    return origin !== null && allowed.has(origin)
  }

  for (const method of API_METHOD_NAMES) {
    ipcMain.handle(channelFor(method), async (event: Sender, ...rest: unknown[]) => {
      try {
        if (!isAllowedSender(event)) throw new ApiError('forbidden', `${method}: refused a call from outside the app's page`)
        if (rest.length > 1) throw new ApiError('invalid-argument', `${method}: expected one argument object`)
        return await dispatchApiCall(services, method, rest[0])
      } catch (error) {
        throw encodeIpcError(error)
      }
    })
  }
}
