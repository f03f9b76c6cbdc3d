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

/** What the page says when it cannot get a token the bridge accepts: one line, what to do. */
export const BRIDGE_RELOAD_MESSAGE = 'The Pretext preview was restarted and this page could not reconnect: reload the page (F5).'

/** The bridge token in an index.html the bridge served, or null. */
export function tokenFromHtml(html: string): string | null {
  const meta = new DOMParser().parseFromString(html, 'text/html').querySelector<HTMLMetaElement>(`meta[name="${BRIDGE_TOKEN_META}"]`)
  return meta?.content || null
}

export function createBridgeClient(options: BridgeClientOptions): PretextApi {
  const send = options.fetch ?? ((input, init) => fetch(input, init))
  const baseUrl = options.baseUrl ?? ''
  // Replaced when the bridge refuses the page's token: after a restart the bridge has a new one.
  let renewed: string | null = null

  /**
   * The bridge's current token, read the way a reload would: from a fresh
   * index.html of the same origin (which only a page of that origin can
   * read). Null when it cannot be had.
   */
  const fetchToken = async (): Promise<string | null> => {
    try {
      const page = await send(`${baseUrl}/`, { method: 'GET', cache: 'no-store', credentials: 'same-origin' })
      return page.ok ? tokenFromHtml(await page.text()) : null
    } catch {
      return null
    }
  }

  const post = async (method: string, args: unknown, token: string): Promise<Response> => {
    try {
      return await send(`${baseUrl}/api/${method}`, {
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
  }

  return buildApi(async (method, args) => {
    const token = renewed ?? options.token()
    if (!token) {
      throw new ApiError('forbidden', 'This page has no bridge token. Open the address that `npm run preview` printed.')
    }
    let response = await post(method, args, token)
    if (response.status === 401) {
      // The bridge checks the token before anything else, so the refused call did
      // nothing: sending it once more with the current token is safe.
      const fresh = await fetchToken()
      if (!fresh || fresh === token) throw new ApiError('forbidden', BRIDGE_RELOAD_MESSAGE)
      renewed = fresh
      response = await post(method, args, fresh)
      if (response.status === 401) throw new ApiError('forbidden', BRIDGE_RELOAD_MESSAGE)
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
