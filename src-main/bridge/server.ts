import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiError, isApiMethod } from '@core/api/contract'
import type { ApiErrorCode, ServiceApi } from '@core/api/contract'
import { dispatchApiCall } from '../transport/dispatch'
import { toApiErrorData } from '../transport/errorCodec'
import { readStaticFile, resolveRequestPath, securityHeaders } from '../transport/staticFiles'

/**
 * The loopback bridge: the built renderer and the same services over HTTP, for
 * the browser preview (`npm run preview`) and the Playwright suite.
 *
 * Who can call it: only a page this server served. It listens on 127.0.0.1
 * only; the Host header must name this server (a DNS-rebound evil.example
 * page sends its own name); an Origin, when sent, must be this server; and
 * every API call carries a per-run token that only index.html served from
 * here reveals (as a meta tag, so the CSP needs no inline script). A custom
 * header also means a cross-site page cannot send it without a CORS preflight,
 * which this server never grants.
 *
 * Limit: any process of any local user can fetch index.html and read the
 * token. The bridge is a development and test transport, not the product.
 */

export const BRIDGE_HOST = '127.0.0.1'
export const TOKEN_HEADER = 'x-pretext-token'
/**
 * Optional: a page may name itself (any id it draws at load) so that its
 * role, trainee or supervisor, is its own; pages that do not share one
 * connection. It only ever narrows: every call still needs the token.
 */
export const CONNECTION_HEADER = 'x-pretext-connection'
export const TOKEN_META_NAME = 'pretext-bridge-token'
export const MAX_BODY_BYTES = 1024 * 1024

export interface BridgeOptions {
  /** Directory of the built renderer (out/renderer). */
  rendererDir: string
  services: ServiceApi
  /** 0 (the default) picks a free port; read the actual one from the result. */
  port?: number
  /** Fixed token for tests; a fresh random one per run otherwise. */
  token?: string
}

export interface Bridge {
  /** http://127.0.0.1:PORT/ */
  url: string
  port: number
  token: string
  server: Server
  close(): Promise<void>
}

const STATUS_BY_CODE: Record<ApiErrorCode, number> = {
  'invalid-argument': 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'not-offered': 409,
  storage: 500,
  internal: 500,
}

class HttpRefusal extends ApiError {
  constructor(
    readonly status: number,
    code: ApiErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...securityHeaders(),
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(text)),
    ...extraHeaders,
  })
  res.end(text)
}

function sendError(res: ServerResponse, error: unknown): void {
  const data = toApiErrorData(error)
  const status = error instanceof HttpRefusal ? error.status : STATUS_BY_CODE[data.code]
  const extra: Record<string, string> = {}
  if (status === 405) extra['Allow'] = 'POST'
  if (status === 413) extra['Connection'] = 'close'
  sendJson(res, status, { error: { code: data.code, message: data.message } }, extra)
}

function connectionOf(req: IncomingMessage): string {
  const named = req.headers[CONNECTION_HEADER]
  return typeof named === 'string' && /^[A-Za-z0-9-]{8,64}$/.test(named) ? `bridge:${named}` : 'bridge'
}

function sameToken(given: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof given !== 'string') return false
  const buffer = Buffer.from(given, 'utf8')
  return buffer.length === expected.length && timingSafeEqual(buffer, expected)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        // Keep reading (and dropping) so the client receives the 413 instead of a reset;
        // the response closes the connection.
        chunks.length = 0
        reject(new HttpRefusal(413, 'invalid-argument', `Request body over ${MAX_BODY_BYTES} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export function injectToken(html: string, token: string): string {
  const meta = `<meta name="${TOKEN_META_NAME}" content="${token}">`
  const head = /<head[^>]*>/i.exec(html)
  if (!head) return meta + html
  const at = head.index + head[0].length
  return `${html.slice(0, at)}\n    ${meta}${html.slice(at)}`
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const token = options.token ?? randomBytes(32).toString('hex')
  const expectedToken = Buffer.from(token, 'utf8')
  let allowedHosts = new Set<string>()

  const handleApi = async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    if (req.method !== 'POST') throw new HttpRefusal(405, 'invalid-argument', 'API calls are POST requests')
    if (!sameToken(req.headers[TOKEN_HEADER], expectedToken)) {
      // 401, not 403: the one refusal a page of ours can recover from (after a restart the
      // token is new), by reading the token again from index.html (src-renderer/src/api.ts).
      throw new HttpRefusal(401, 'forbidden', 'Missing or wrong bridge token: reload the page served by this bridge')
    }
    if (!isApiMethod(name)) throw new HttpRefusal(404, 'not-found', `No API method named "${name}"`)
    const contentType = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase()
    if (contentType !== 'application/json') throw new HttpRefusal(415, 'invalid-argument', 'API calls send application/json')
    const text = await readBody(req)
    let args: unknown
    try {
      args = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new HttpRefusal(400, 'invalid-argument', `${name}: the request body is not valid JSON`)
    }
    sendJson(res, 200, { result: await dispatchApiCall(options.services, name, args, { connection: connectionOf(req) }) })
  }

  const handleStatic = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...securityHeaders(), Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('Method not allowed')
      return
    }
    const filePath = resolveRequestPath(options.rendererDir, req.url ?? '')
    const file = await readStaticFile(options.rendererDir, filePath, (html) => injectToken(html, token))
    // The token-bearing page must not be cached by anything.
    res.writeHead(file.status, { ...file.headers, 'Cache-Control': 'no-store' })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  }

  // requireHostHeader off: a request without Host reaches the check below and gets our 403 with the CSP.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const host = (req.headers.host ?? '').toLowerCase()
    const origin = req.headers.origin
    const path = req.url ?? ''
    const handled = (async () => {
      // DNS rebinding: a page at evil.example resolved to 127.0.0.1 still sends Host: evil.example.
      if (!allowedHosts.has(host)) throw new HttpRefusal(403, 'forbidden', 'Unexpected Host header')
      if (origin !== undefined && origin !== `http://${host}`) throw new HttpRefusal(403, 'forbidden', 'Cross-origin request refused')
      if (path.startsWith('/api/')) await handleApi(req, res, path.slice('/api/'.length).split(/[?#]/, 1)[0] ?? '')
      else await handleStatic(req, res)
    })()
    handled.catch((error: unknown) => {
      if (res.headersSent) res.destroy()
      else sendError(res, error)
    })
  })

  // Malformed HTTP never reaches the handler; answer it with the same headers rather than Node's bare 400.
  server.on('clientError', (_error, socket) => {
    if (!socket.writable) {
      socket.destroy()
      return
    }
    const headers = Object.entries(securityHeaders())
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    socket.end(`HTTP/1.1 400 Bad Request\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: BRIDGE_HOST, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  allowedHosts = new Set([`${BRIDGE_HOST}:${port}`, `localhost:${port}`])

  return {
    url: `http://${BRIDGE_HOST}:${port}/`,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
