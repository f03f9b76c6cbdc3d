import { afterEach, describe, expect, it, vi } from 'vitest'
import { API_METHOD_NAMES, ApiError } from '@core/api/contract'
import type { PretextApi } from '@core/api/contract'
import { BRIDGE_RELOAD_MESSAGE, BRIDGE_TOKEN_HEADER, BRIDGE_TOKEN_META, createBridgeClient, resolveApi, wrapPreloadApi } from './api'

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

afterEach(() => {
  document.head.querySelectorAll(`meta[name="${BRIDGE_TOKEN_META}"]`).forEach((meta) => meta.remove())
})

describe('in Electron (window.api present)', () => {
  it('offers the contract methods and turns the preload rejection data back into ApiError', async () => {
    const exposed = Object.fromEntries(
      API_METHOD_NAMES.map((method) => [method, vi.fn(async () => Promise.reject({ name: 'ApiError', code: 'not-found', message: `no ${method}` }))]),
    ) as unknown as PretextApi
    const api = resolveApi({ api: exposed })
    expect(Object.keys(api).sort()).toEqual([...API_METHOD_NAMES].sort())
    const error: unknown = await api['library.get']({ scenarioId: 'x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ code: 'not-found', message: 'no library.get' })
  })

  it('passes results through and labels unknown failures internal', async () => {
    const exposed = { ...Object.fromEntries(API_METHOD_NAMES.map((m) => [m, vi.fn(async () => [])])) } as unknown as PretextApi
    vi.mocked(exposed['sessions.list']).mockRejectedValueOnce(new Error('Error invoking remote method'))
    const api = wrapPreloadApi(exposed)
    await expect(api['library.list']({})).resolves.toEqual([])
    await expect(api['sessions.list']({})).rejects.toMatchObject({ code: 'internal' })
  })
})

describe('in a browser (the loopback bridge)', () => {
  it('POSTs each method to /api/<method> with the token from the page and the JSON argument', async () => {
    const meta = document.createElement('meta')
    meta.name = BRIDGE_TOKEN_META
    meta.content = 'tok123'
    document.head.append(meta)
    const fetch = vi.fn(async () => jsonResponse(200, { result: ['ok'] }))
    vi.stubGlobal('fetch', fetch)
    try {
      const api = resolveApi({})
      expect(Object.keys(api).sort()).toEqual([...API_METHOD_NAMES].sort())
      await expect(api['sessions.list']({ limit: 3 })).resolves.toEqual(['ok'])
      expect(fetch).toHaveBeenCalledExactlyOnceWith('/api/sessions.list', expect.objectContaining({ method: 'POST', body: '{"limit":3}' }))
      const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1]
      expect(init.headers).toEqual({ 'Content-Type': 'application/json', [BRIDGE_TOKEN_HEADER]: 'tok123' })
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('decodes { error: { code, message } } into ApiError', async () => {
    const api = createBridgeClient({
      token: () => 't',
      fetch: async () => jsonResponse(400, { error: { code: 'invalid-argument', message: 'library.get: scenarioId: Invalid' } }),
    })
    const error: unknown = await api['library.get']({ scenarioId: 'BAD' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ code: 'invalid-argument', message: 'library.get: scenarioId: Invalid' })
  })

  it.each([
    ['a non-JSON error page', async () => new Response('<html>bad gateway</html>', { status: 502 })],
    ['an unknown error code', async () => jsonResponse(500, { error: { code: 'kaboom', message: 'x' } })],
    ['an OK answer without result', async () => jsonResponse(200, { nope: 1 })],
    ['a network failure', async () => Promise.reject(new TypeError('Failed to fetch'))],
  ])('reports %s as an internal ApiError', async (_label, fetch) => {
    const api = createBridgeClient({ token: () => 't', fetch })
    const error: unknown = await api['library.list']({}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ code: 'internal' })
  })

  it('after a restart of the bridge, reads the new token from a fresh index.html and carries on', async () => {
    const seen: string[] = []
    const fetch = vi.fn(async (input: string, init: RequestInit) => {
      if (input === '/') return new Response('<html><head><meta name="pretext-bridge-token" content="new-token"></head><body></body></html>', { status: 200 })
      const token = (init.headers as Record<string, string>)[BRIDGE_TOKEN_HEADER]!
      seen.push(`${input} ${token}`)
      return token === 'new-token'
        ? jsonResponse(200, { result: 'ok' })
        : jsonResponse(401, { error: { code: 'forbidden', message: 'Missing or wrong bridge token: reload the page served by this bridge' } })
    })
    const api = createBridgeClient({ token: () => 'old-token', fetch })
    await expect(api['library.list']({})).resolves.toBe('ok')
    await expect(api['sessions.list']({})).resolves.toBe('ok')
    // One refused call, one look at the page, then only the new token.
    expect(seen).toEqual(['/api/library.list old-token', '/api/library.list new-token', '/api/sessions.list new-token'])
    expect(fetch.mock.calls.filter(([input]) => input === '/')).toHaveLength(1)
  })

  it.each([
    ['the page still has the refused token', async () => new Response('<meta name="pretext-bridge-token" content="old-token">', { status: 200 })],
    ['the page cannot be fetched', async () => Promise.reject(new TypeError('Failed to fetch'))],
    ['the page has no token', async () => new Response('<html></html>', { status: 200 })],
  ])('says in one line to reload when %s', async (_label, page) => {
    const fetch = vi.fn(async (input: string) =>
      input === '/' ? page() : jsonResponse(401, { error: { code: 'forbidden', message: 'Missing or wrong bridge token: reload the page served by this bridge' } }),
    )
    const api = createBridgeClient({ token: () => 'old-token', fetch })
    const error: unknown = await api['library.list']({}).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'forbidden', message: BRIDGE_RELOAD_MESSAGE })
    expect(BRIDGE_RELOAD_MESSAGE).not.toContain('\n')
  })

  it('refuses to call without a token, saying what to do', async () => {
    const fetch = vi.fn()
    const api = createBridgeClient({ token: () => null, fetch })
    await expect(api['library.list']({})).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('npm run preview') })
    expect(fetch).not.toHaveBeenCalled()
  })
})
