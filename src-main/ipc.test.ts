import fc from 'fast-check'
import { fakeServices } from './testing/fakeServices'
import { describe, expect, it, vi } from 'vitest'
import { API_METHOD_NAMES, API_METHODS, ApiError } from '@core/api/contract'
import type { ApiMethod } from '@core/api/contract'
import { registerIpc } from './ipc'
import { channelFor, decodeIpcError } from './transport/errorCodec'

// ipc.ts takes ipcMain as a parameter, so Electron is not needed; the fakes
// below reproduce the two things Electron contributes: the event's senderFrame
// and the way a rejected handler's error reaches the renderer (message only).

type Handler = (event: { senderFrame: { url: string } | null; sender?: { id: number } }, ...args: unknown[]) => Promise<unknown>


function setup(options: { devServerUrl?: string } = {}) {
  const handlers = new Map<string, Handler>()
  const ipcMain = { handle: vi.fn((channel: string, handler: Handler) => handlers.set(channel, handler)) }
  const { services, calls } = fakeServices()
  registerIpc(ipcMain as never, services, { allowedOrigin: 'app://pretext', ...options })
  /** Invoke like ipcRenderer.invoke would, and return what the renderer would see. */
  const invoke = async (method: ApiMethod, senderUrl: string | null, ...args: unknown[]) => {
    const handler = handlers.get(channelFor(method))
    if (!handler) throw new Error(`no handler for ${method}`)
    try {
      return { ok: true as const, value: await handler({ senderFrame: senderUrl === null ? null : { url: senderUrl } }, ...args) }
    } catch (error) {
      // Electron's wrapping of a handler rejection on the way to the renderer.
      const wrapped = new Error(`Error invoking remote method '${channelFor(method)}': ${String(error)}`)
      return { ok: false as const, error: decodeIpcError(wrapped) }
    }
  }
  return { handlers, services, calls, invoke }
}

const APP_PAGE = 'app://pretext/index.html'

/** A valid argument per method, so a rejection can only come from what a test changes. */
const VALID_ARGS: Record<ApiMethod, unknown> = {
  'library.list': {},
  'library.problems': {},
  'library.get': { scenarioId: 'airport-stolen-phone' },
  'calls.start': { scenarioId: 'airport-stolen-phone', mode: 'practice' },
  'calls.act': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f', step: 0, action: { type: 'send-otp', to: 'line-of-record' } },
  'calls.view': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f' },
  'calls.end': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f' },
  'calls.resume': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f' },
  'sessions.list': { limit: 10 },
  'sessions.get': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f' },
  'profiles.list': {},
  'profiles.create': { name: 'Sam' },
  'profiles.select': { profileId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f' },
  'role.get': {},
  'role.unlock': { passphrase: 'correct horse', name: 'Ada' },
  'role.lock': {},
  'role.setPassphrase': { passphrase: 'correct horse', name: 'Ada' },
  'sessions.query': { compliance: 'fail', limit: 20 },
  'review.queue': {},
  'review.open': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f' },
  'review.step': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f', step: 3 },
  'review.act': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f', action: { type: 'comment', step: 2, text: 'Good catch' } },
  'calibration.report': {},
  'trends.get': { bucket: 'month' },
  'trends.progress': {},
  'exports.progress': {},
  'exports.cancel': {},
  'coaching.assign': { trainee: 'Sam', tactic: 'urgency' },
  'coaching.list': {},
  'exports.chooseFolder': {},
  'exports.sessionsCsv': { query: {}, folder: '/tmp', fileName: 'sessions.csv' },
  'exports.rulesCsv': { query: {}, folder: '/tmp', fileName: 'rules.csv' },
  'exports.sessionPdf': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f', folder: '/tmp', fileName: 'session.pdf' },
  'exports.printView': { sessionId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f' },
  'workbench.library': {},
  'workbench.wait': { revision: 3, timeoutMs: 10 },
  'workbench.addFolder': { path: '/tmp/scenarios' },
  'workbench.scenario': { scenarioId: 'airport-stolen-phone' },
  'workbench.previewStart': { scenarioId: 'airport-stolen-phone', intents: [{ type: 'ask-pin' }] },
  'workbench.previewAct': { previewId: '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f', step: 0, action: { type: 'ask-pin' } },
}

describe('registerIpc', () => {
  it('registers exactly one api:<method> channel per contract method', () => {
    const { handlers } = setup()
    expect([...handlers.keys()].sort()).toEqual(API_METHOD_NAMES.map((m) => `api:${m}`).sort())
  })

  it.each(API_METHOD_NAMES)('%s: serves the app page with validated arguments', async (method) => {
    const { invoke, calls } = setup()
    const result = await invoke(method, APP_PAGE, VALID_ARGS[method])
    expect(result).toEqual({ ok: true, value: { ok: method } })
    expect(calls).toEqual([{ method, args: API_METHODS[method].parse(VALID_ARGS[method]) }])
  })

  const foreignSenders: [string, string | null][] = [
    ['a web page', 'https://evil.example/'],
    ['a file: page', 'file:///tmp/evil.html'],
    ['no frame (navigated away or destroyed)', null],
    ['another app:// host', 'app://evil/index.html'],
    ['a look-alike app:// host', 'app://pretext.evil/index.html'],
    ['userinfo on the app origin', 'app://pretext@evil/index.html'],
    ['http with the app host name', 'http://pretext/index.html'],
    ['the dev server when none is configured', 'http://localhost:5173/'],
    ['about:blank', 'about:blank'],
    ['a data: URL', 'data:text/html,hi'],
    ['garbage', 'not a url'],
  ]

  describe.each(API_METHOD_NAMES)('%s', (method) => {
    it.each(foreignSenders)('refuses %s with a forbidden error and never calls the service', async (_label, url) => {
      const { invoke, calls } = setup()
      const result = await invoke(method, url, VALID_ARGS[method])
      expect(result.ok).toBe(false)
      expect(result.ok === false && result.error).toMatchObject({ name: 'ApiError', code: 'forbidden' })
      expect(calls).toEqual([])
    })

    it('refuses random JSON arguments the schema rejects, with invalid-argument, never calling the service', async () => {
      const { invoke, calls } = setup()
      const schema = API_METHODS[method]
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (value) => {
          calls.length = 0
          const result = await invoke(method, APP_PAGE, value)
          if (schema.safeParse(value ?? {}).success) {
            // The generator rarely hits a valid argument (e.g. {} for the list methods): it must pass through.
            expect(result.ok).toBe(true)
            expect(calls).toHaveLength(1)
          } else {
            expect(result).toMatchObject({ ok: false, error: { name: 'ApiError', code: 'invalid-argument' } })
            expect(calls).toEqual([])
          }
        }),
        { numRuns: 300 },
      )
    })

    it('refuses a valid argument with an unknown extra key, and more than one argument', async () => {
      const { invoke, calls } = setup()
      const extra = await invoke(method, APP_PAGE, { ...(VALID_ARGS[method] as object), __proto__x: 1, channel: 'api:x' })
      expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-argument' } })
      const twoArgs = await invoke(method, APP_PAGE, VALID_ARGS[method], { extra: true })
      expect(twoArgs).toMatchObject({ ok: false, error: { code: 'invalid-argument' } })
      expect(calls).toEqual([])
    })
  })

  it('refuses fuzzed sender URLs unless they are the app origin', async () => {
    const { invoke, calls } = setup()
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.webUrl(), fc.string()), async (url) => {
        calls.length = 0
        const result = await invoke('library.list', url, {})
        expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } })
        expect(calls).toEqual([])
      }),
      { numRuns: 300 },
    )
  })

  it('tells the service which window called: each window is its own connection (its role is its own)', async () => {
    const { handlers, services } = setup()
    const handler = handlers.get(channelFor('role.get'))!
    await handler({ senderFrame: { url: APP_PAGE }, sender: { id: 7 } }, {})
    await handler({ senderFrame: { url: APP_PAGE }, sender: { id: 8 } }, {})
    expect(vi.mocked(services['role.get']).mock.calls.map((c) => (c as unknown[])[1])).toEqual([{ connection: 'ipc:7' }, { connection: 'ipc:8' }])
  })

  it('accepts the dev server only when it is configured', async () => {
    const { invoke } = setup({ devServerUrl: 'http://localhost:5173' })
    expect(await invoke('library.list', 'http://localhost:5173/index.html', {})).toMatchObject({ ok: true })
    expect(await invoke('library.list', 'http://localhost:5174/', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it('carries a service ApiError code and message to the renderer', async () => {
    const { invoke, services } = setup()
    vi.mocked(services['library.get']).mockRejectedValueOnce(new ApiError('not-found', 'No scenario "nope"'))
    expect(await invoke('library.get', APP_PAGE, { scenarioId: 'nope' })).toEqual({
      ok: false,
      error: { name: 'ApiError', code: 'not-found', message: 'No scenario "nope"' },
    })
  })

  it('reports any other failure as internal', async () => {
    const { invoke, services } = setup()
    vi.mocked(services['sessions.list']).mockRejectedValueOnce(new TypeError('boom'))
    expect(await invoke('sessions.list', APP_PAGE, {})).toEqual({
      ok: false,
      error: { name: 'ApiError', code: 'internal', message: 'boom' },
    })
  })
})

describe('decodeIpcError', () => {
  it('falls back to internal for errors that are not ours', () => {
    expect(decodeIpcError(new Error('socket closed'))).toEqual({ name: 'ApiError', code: 'internal', message: 'socket closed' })
    expect(decodeIpcError(new Error('PRETEXT_API_ERROR{"code":"root","message":"x"}'))).toMatchObject({ code: 'internal' })
    expect(decodeIpcError(undefined)).toMatchObject({ code: 'internal' })
  })
})
