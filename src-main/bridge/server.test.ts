import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { fakeServices } from '../testing/fakeServices'
import { request } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { API_METHOD_NAMES, API_METHODS, ApiError } from '@core/api/contract'
import { CONTENT_SECURITY_POLICY } from '../transport/staticFiles'
import { CONNECTION_HEADER, MAX_BODY_BYTES, TOKEN_HEADER, TOKEN_META_NAME, startBridge } from './server'
import type { Bridge } from './server'

let base: string
let rendererDir: string
let bridge: Bridge
const { services, calls } = fakeServices()

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'pretext-bridge-'))
  rendererDir = path.join(base, 'renderer')
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n    <script type="module" crossorigin src="./assets/index-abc.js"></script>\n  </head>\n  <body><div id="app"></div></body>\n</html>\n',
  )
  writeFileSync(path.join(rendererDir, 'assets', 'index-abc.js'), 'console.log("app")')
  writeFileSync(path.join(base, 'secret.txt'), 'SECRET')
  bridge = await startBridge({ rendererDir, services })
})

afterAll(async () => {
  await bridge.close()
  rmSync(base, { recursive: true, force: true })
})

beforeEach(() => {
  calls.length = 0
})

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** A raw HTTP request: the path is sent as written (no normalisation) and every header is under the test's control. */
function send(options: { method?: string; path?: string; headers?: Record<string, string>; body?: string; host?: string | null }): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.host !== null && !('host' in headers)) headers['host'] = options.host ?? `127.0.0.1:${bridge.port}`
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: bridge.port, method: options.method ?? 'GET', path: options.path ?? '/', headers, setHost: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

function callApi(method: string, args: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send({
    method: 'POST',
    path: `/api/${method}`,
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: bridge.token, ...headers },
    body: JSON.stringify(args),
  })
}

/** Send bytes exactly as given, for requests Node's client refuses to produce (NUL in the path). */
function sendRaw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(bridge.port, '127.0.0.1', () => socket.end(text))
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.on('error', reject)
  })
}

describe('listening', () => {
  it('binds 127.0.0.1 only, on a free port, with a fresh random token', async () => {
    const address = bridge.server.address()
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' })
    expect(bridge.port).toBeGreaterThan(0)
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/`)
    expect(bridge.token).toMatch(/^[0-9a-f]{64}$/)
    const other = await startBridge({ rendererDir, services })
    expect(other.token).not.toBe(bridge.token)
    await other.close()
  })

  it('cannot be reached on any non-loopback address of this machine', async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .filter((info) => info !== undefined && !info.internal)
      .map((info) => info!.address)
    for (const address of [...external, '::1']) {
      const reached = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: address, port: bridge.port, timeout: 2000 })
        socket.on('connect', () => (socket.destroy(), resolve(true)))
        socket.on('error', () => resolve(false))
        socket.on('timeout', () => (socket.destroy(), resolve(false)))
      })
      expect(reached, address).toBe(false)
    }
  })
})

describe('static files', () => {
  it('serves index.html with the token in a meta tag and no inline script', async () => {
    const reply = await send({ path: '/' })
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(reply.headers['cache-control']).toBe('no-store')
    expect(reply.body).toContain(`<meta name="${TOKEN_META_NAME}" content="${bridge.token}">`)
    expect(reply.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
  })

  it('serves assets', async () => {
    const reply = await send({ path: '/assets/index-abc.js' })
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('text/javascript; charset=utf-8')
  })

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '//secret.txt',
    `/${encodeURIComponent('/etc/passwd')}`,
    'http://127.0.0.1/../secret.txt',
  ])('refuses the traversal %s', async (rawPath) => {
    const reply = await send({ path: rawPath })
    expect([400, 404]).toContain(reply.status)
    expect(reply.body).not.toContain('SECRET')
    expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
  })

  it('refuses a NUL in the path', async () => {
    const reply = await sendRaw(`GET /index.html%00.js HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nConnection: close\r\n\r\n`)
    expect(reply).toMatch(/^HTTP\/1\.1 400/)
    const raw = await sendRaw(`GET /index.html\u0000 HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nConnection: close\r\n\r\n`)
    expect(raw).toMatch(/^HTTP\/1\.1 400/)
    expect(raw).toContain(`Content-Security-Policy: ${CONTENT_SECURITY_POLICY}`)
  })
})

describe('who may call', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { [TOKEN_HEADER]: 'f'.repeat(64) }],
    ['a token prefix', { [TOKEN_HEADER]: 'x' }],
  ])('refuses an API call with %s (401, so the page knows to fetch the token again) and never calls the service', async (_label, headers) => {
    const reply = await send({
      method: 'POST',
      path: '/api/library.list',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{}',
    })
    expect(reply.status).toBe(401)
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'forbidden' } })
    expect(calls).toEqual([])
  })

  it.each([
    ['a rebound foreign name (DNS rebinding)', 'evil.example'],
    ['a rebound foreign name with the right port', 'evil.example:PORT'],
    ['the right name on another port', '127.0.0.1:1'],
    ['the right address without the port', '127.0.0.1'],
    ['a look-alike', '127.0.0.1.evil.example:PORT'],
  ])('refuses a Host of %s with 403, pages and API alike', async (_label, host) => {
    const hostHeader = host.replace('PORT', String(bridge.port))
    const page = await send({ path: '/', host: hostHeader })
    expect(page.status).toBe(403)
    expect(page.body).not.toContain(bridge.token)
    const api = await callApi('library.list', {}, { host: hostHeader })
    expect(api.status).toBe(403)
    expect(calls).toEqual([])
  })

  it('refuses a request without Host', async () => {
    const reply = await send({ path: '/', host: null })
    expect(reply.status).toBe(403)
    expect(reply.body).not.toContain(bridge.token)
  })

  it.each(['https://evil.example', 'null', 'http://127.0.0.1:1', 'http://localhost:PORT', 'file://'])(
    'refuses an Origin of %s that is not the page Host',
    async (origin) => {
      const reply = await callApi('library.list', {}, { origin: origin.replace('PORT', String(bridge.port)) })
      expect(reply.status).toBe(403)
      expect(calls).toEqual([])
    },
  )

  it('accepts its own origin, by address or by localhost', async () => {
    expect((await callApi('library.list', {}, { origin: `http://127.0.0.1:${bridge.port}` })).status).toBe(200)
    const viaLocalhost = await callApi('library.list', {}, { host: `localhost:${bridge.port}`, origin: `http://localhost:${bridge.port}` })
    expect(viaLocalhost.status).toBe(200)
  })
})

describe('API', () => {
  it.each([
    ['library.list', {}],
    ['library.problems', {}],
    ['library.get', { scenarioId: 'airport-stolen-phone' }],
    ['sessions.list', { limit: 5 }],
    ['sessions.get', { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f' }],
  ] as const)('%s: answers { result } for a valid call', async (method, args) => {
    const reply = await callApi(method, args)
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(reply.body)).toEqual({ result: { ok: method } })
    expect(calls).toEqual([{ method, args }])
  })

  it('refuses arguments the schema rejects with 400 invalid-argument, never calling the service', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...API_METHOD_NAMES), fc.jsonValue(), async (method, value) => {
        calls.length = 0
        const reply = await callApi(method, value)
        if (API_METHODS[method].safeParse(value ?? {}).success) {
          expect(reply.status).toBe(200)
        } else {
          expect(reply.status).toBe(400)
          expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'invalid-argument' } })
          expect(calls).toEqual([])
        }
      }),
      { numRuns: 200 },
    )
  })

  it.each([
    ['an unknown method', () => callApi('library.delete', {}), 404, 'not-found'],
    ['a prototype key as method', () => callApi('__proto__', {}), 404, 'not-found'],
    ['GET on the API', () => send({ path: '/api/library.list', headers: { [TOKEN_HEADER]: 'x' } }), 405, 'invalid-argument'],
    ['a form post', () => callApi('library.list', {}, { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'invalid-argument'],
    ['text/plain', () => callApi('library.list', {}, { 'content-type': 'text/plain' }), 415, 'invalid-argument'],
    [
      'a body that is not JSON',
      () => send({ method: 'POST', path: '/api/library.list', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: bridge.token }, body: '{' }),
      400,
      'invalid-argument',
    ],
    [
      'an oversized body',
      () =>
        send({
          method: 'POST',
          path: '/api/library.list',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: bridge.token },
          body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }),
        }),
      413,
      'invalid-argument',
    ],
  ] as const)('refuses %s', async (_label, run, status, code) => {
    const reply = await run()
    expect(reply.status).toBe(status)
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code } })
    expect(calls).toEqual([])
  })

  it('tells the service which page called: a page that names itself is its own connection (its role is its own)', async () => {
    const role = vi.mocked(services['role.get'])
    role.mockClear()
    await callApi('role.get', {})
    await callApi('role.get', {}, { [CONNECTION_HEADER]: 'page-2f9c41d0' })
    await callApi('role.get', {}, { [CONNECTION_HEADER]: 'bad id with spaces' })
    expect(role.mock.calls.map((c) => (c as unknown[])[1])).toEqual([{ connection: 'bridge' }, { connection: 'bridge:page-2f9c41d0' }, { connection: 'bridge' }])
  })

  it('maps service errors to status and typed JSON', async () => {
    vi.mocked(services['library.get']).mockRejectedValueOnce(new ApiError('not-found', 'No scenario "nope"'))
    const missing = await callApi('library.get', { scenarioId: 'nope' })
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.body)).toEqual({ error: { code: 'not-found', message: 'No scenario "nope"' } })

    vi.mocked(services['library.list']).mockRejectedValueOnce(new ApiError('conflict', 'busy'))
    expect((await callApi('library.list', {})).status).toBe(409)

    vi.mocked(services['library.list']).mockRejectedValueOnce(new Error('disk on fire'))
    const internal = await callApi('library.list', {})
    expect(internal.status).toBe(500)
    expect(JSON.parse(internal.body)).toEqual({ error: { code: 'internal', message: 'disk on fire' } })
  })
})

describe('every response', () => {
  it('carries the CSP, whatever the outcome', async () => {
    const replies = await Promise.all([
      send({ path: '/' }),
      send({ path: '/assets/index-abc.js' }),
      send({ path: '/missing' }),
      send({ path: '/../secret.txt' }),
      send({ path: '/', method: 'DELETE' }),
      send({ path: '/', host: 'evil.example' }),
      callApi('library.list', {}),
      callApi('library.list', {}, { [TOKEN_HEADER]: 'wrong' }),
      callApi('library.list', {}, { origin: 'https://evil.example' }),
      callApi('library.get', { scenarioId: 'NOT VALID' }),
      callApi('nope', {}),
    ])
    expect(replies.map((r) => r.status)).toEqual([200, 200, 404, 400, 405, 403, 200, 401, 403, 400, 404])
    for (const reply of replies) {
      expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
      expect(reply.headers['x-content-type-options']).toBe('nosniff')
      expect(reply.headers['access-control-allow-origin']).toBeUndefined()
    }
  })
})
