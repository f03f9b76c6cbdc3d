import type { Protocol } from 'electron'
import { errorFile, readStaticFile, resolveRequestPath } from './transport/staticFiles'

/**
 * The app:// protocol: the built renderer is served from one directory under a
 * real origin (app://pretext) instead of file://, with a strict CSP on every
 * response. The resolver, the file reader and the headers live in
 * transport/staticFiles.ts, which the loopback bridge uses too, so both
 * transports serve the same bytes under the same policy.
 */

export const APP_SCHEME = 'app'
export const APP_HOST = 'pretext'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

/** Resolve an app://pretext/... URL to a file under rootDir, or null (see resolveRequestPath). */
export function resolveAppUrl(rootDir: string, url: string): string | null {
  const prefix = `${APP_ORIGIN}/`
  // Compare the raw prefix, not a parsed URL: the WHATWG parser would already
  // have collapsed "..", and an unparseable remainder must fail closed anyway.
  if (!url.toLowerCase().startsWith(prefix)) return null
  return resolveRequestPath(rootDir, url.slice(APP_ORIGIN.length))
}

/** The app:// handler as a plain function of a fetch Request, testable without Electron. */
export function createAppProtocolHandler(rootDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const file =
      request.method === 'GET' || request.method === 'HEAD'
        ? await readStaticFile(rootDir, resolveAppUrl(rootDir, request.url))
        : errorFile(405, 'Method not allowed')
    return new Response(request.method === 'HEAD' ? null : file.body, { status: file.status, headers: file.headers })
  }
}

/** Install the handler; call after app 'ready' (the scheme is registered privileged before it). */
export function registerAppProtocol(protocol: Pick<Protocol, 'handle'>, rootDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rootDir))
}

/** Must run before app 'ready': app:// gets a real origin, counts as secure, and may use fetch. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
} as const
