import { API_METHOD_NAMES, ApiError, isApiErrorCode } from '@core/api/methods'
import type { PretextApi } from '@core/api/contract'

/**
 * The renderer's one door to main, and the only file that touches window.api.
 *
 * In Electron the preload has put the contract's methods on window.api. In a
 * browser (npm run preview, the Playwright suite) there is no window.api, and
 * the same methods go to the loopback bridge as POST /api/<method>, with the
 * token the bridge wrote into index.html. Either way callers get a PretextApi
 * whose failures are ApiError instances with a code to react to.
 */

/** Must match src-main/bridge/server.ts (TOKEN_META_NAME, TOKEN_HEADER). */
export const BRIDGE_TOKEN_META = 'pretext-bridge-token'
export const BRIDGE_TOKEN_HEADER = 'x-pretext-token'

/** Whatever a transport rejected with, as an ApiError. Unrecognised shapes become 'internal'. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown }
    if (isApiErrorCode(code) && typeof message === 'string') return new ApiError(code, message)
  }
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'The request failed.'
  return new ApiError('internal', message)
}

type AnyMethod = (args: unknown) => Promise<unknown>

function buildApi(call: (method: (typeof API_METHOD_NAMES)[number], args: unknown) => Promise<unknown>): PretextApi {
  const api: Record<string, AnyMethod> = {}
  for (const method of API_METHOD_NAMES) {
    api[method] = (args: unknown) => call(method, args)
  }
  return Object.freeze(api) as unknown as PretextApi
}

/** window.api as the preload exposed it, with its plain-data rejections turned back into ApiError. */
export function wrapPreloadApi(exposed: PretextApi): PretextApi {
  const methods = exposed as unknown as Record<string, AnyMethod | undefined>
  return buildApi(async (method, args) => {
    const fn = methods[method]
    if (!fn) throw new ApiError('internal', `The app's preload does not offer ${method}`)
    try {
      return await fn(args)
    } catch (error) {
      throw toApiError(error)
    }
  })
}

export interface BridgeClientOptions {
  /** Returns the bridge token, or null when the page was not served by the bridge. */
  token: () => string | null
  fetch?: (input: string, init: RequestInit) => Promise<Response>
  /** Origin of the bridge; '' means the page's own origin. */
  baseUrl?: string
}

export function createBridgeClient(options: BridgeClientOptions): PretextApi {
  const send = options.fetch ?? ((input, init) => fetch(input, init))
  const baseUrl = options.baseUrl ?? ''
  return buildApi(async (method, args) => {
    const token = options.token()
    if (!token) {
      throw new ApiError('forbidden', 'This page has no bridge token. Open the address that `npm run preview` printed.')
    }
    let response: Response
    try {
      response = await send(`${baseUrl}/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [BRIDGE_TOKEN_HEADER]: token },
        body: JSON.stringify(args ?? {}),
        cache: 'no-store',
        credentials: 'same-origin',
      })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new ApiError('internal', `Could not reach the Pretext bridge (${reason}). Is \`npm run preview\` still running?`)
    }
    let body: unknown
    try {
      body = await response.json()
    } catch {
      body = undefined
    }
    if (response.ok && typeof body === 'object' && body !== null && 'result' in body) return body.result
    const error = typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined
    throw toApiError(error ?? { code: 'internal', message: `${method}: the bridge answered HTTP ${response.status}` })
  })
}

function readTokenMeta(): string | null {
  const meta = document.querySelector<HTMLMetaElement>(`meta[name="${BRIDGE_TOKEN_META}"]`)
  return meta?.content || null
}

export function resolveApi(target: Pick<Window, 'api'> = window): PretextApi {
  if (target.api) return wrapPreloadApi(target.api)
  let token: string | null | undefined
  return createBridgeClient({ token: () => (token ??= readTokenMeta()) })
}

export const api: PretextApi = resolveApi()
