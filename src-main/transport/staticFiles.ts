import { readFile, realpath, stat } from 'node:fs/promises'
import path from 'node:path'

/**
 * Static files and the content security policy, shared by both transports:
 * the app:// protocol (protocol.ts, Electron) and the loopback bridge
 * (bridge/server.ts, plain Node). Nothing here may import electron.
 */

/**
 * The one content security policy of every app response (protocol and bridge).
 * style-src has no 'unsafe-inline': Vite extracts SFC styles into .css files and
 * Vue sets bound styles through the CSSOM, which CSP does not govern. What it
 * would block: literal `style="..."` attributes in templates large enough for
 * Vue's compiler to stringify into innerHTML, and libraries that inject <style>
 * tags. Use classes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** Headers on every response, success or error. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * Map the raw path of a request ("/assets/x.js", possibly with ?query or #hash)
 * to a file under rootDir, or null when the path is anything but plain segments.
 *
 * Checked on the raw text, before any decoding or URL normalisation could hide
 * something: no backslash (raw or %5c), no NUL (raw or %00), no "." or ".."
 * segment (raw or %2e-encoded, any case), no encoded slash, no empty segment
 * (so no "//etc/passwd"), no drive letter or other colon. "/" means index.html.
 */
export function resolveRequestPath(rootDir: string, rawPath: string): string | null {
  const pathOnly = rawPath.split(/[?#]/, 1)[0] ?? ''
  if (!pathOnly.startsWith('/')) return null
  if (/[\\\0]|%5c|%00|%2f/i.test(pathOnly)) return null
  const rawSegments = pathOnly.slice(1).split('/')
  if (rawSegments.length === 1 && rawSegments[0] === '') rawSegments[0] = 'index.html'
  const segments: string[] = []
  for (const raw of rawSegments) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return null
    }
    if (segment === '' || segment === '.' || segment === '..') return null
    if (/[\\/\0:]/.test(segment)) return null
    segments.push(segment)
  }
  const root = path.resolve(rootDir)
  const resolved = path.resolve(root, ...segments)
  const relative = path.relative(root, resolved)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null
  return resolved
}

export interface StaticFile {
  status: number
  headers: Record<string, string>
  body: Buffer | string
}

export function errorFile(status: number, message: string): StaticFile {
  return {
    status,
    headers: { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' },
    body: message,
  }
}

/**
 * Read the file a resolved path points at, refusing anything whose real path
 * (after symlinks) leaves the root. `transformHtml` lets the bridge inject its
 * token into index.html; the protocol serves files untouched.
 */
export async function readStaticFile(
  rootDir: string,
  filePath: string | null,
  transformHtml?: (html: string) => string,
): Promise<StaticFile> {
  if (filePath === null) return errorFile(400, 'Bad request path')
  try {
    const [realRoot, realFile] = await Promise.all([realpath(rootDir), realpath(filePath)])
    const relative = path.relative(realRoot, realFile)
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return errorFile(404, 'Not found')
    if (!(await stat(realFile)).isFile()) return errorFile(404, 'Not found')
    const contentType = contentTypeFor(realFile)
    const bytes = await readFile(realFile)
    const body = transformHtml && contentType.startsWith('text/html') ? transformHtml(bytes.toString('utf8')) : bytes
    return {
      status: 200,
      headers: { ...securityHeaders(), 'Content-Type': contentType, 'Cache-Control': 'no-cache' },
      body,
    }
  } catch {
    return errorFile(404, 'Not found')
  }
}

