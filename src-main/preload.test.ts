import { beforeAll, describe, expect, it, vi } from 'vitest'
import { API_METHOD_NAMES } from '@core/api/contract'
import type { ApiMethod } from '@core/api/contract'

// Electron mocked at its edge only: what the preload hands to contextBridge is recorded.
const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: {
    invoke: vi.fn(async (channel: string, args: unknown): Promise<unknown> => ({ channel, args })),
    send: vi.fn(),
    on: vi.fn(),
    sendSync: vi.fn(),
  },
}))
vi.mock('electron', () => electron)

let exposed: Record<string, unknown>

beforeAll(async () => {
  await import('./preload')
  expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
  const [key, value] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as [string, Record<string, unknown>]
  expect(key).toBe('api')
  exposed = value
})

/** Everything reachable from the exposed object through own properties, functions included. */
function reachable(root: unknown): unknown[] {
  const seen = new Set<unknown>()
  const queue = [root]
  while (queue.length > 0) {
    const value = queue.shift()
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue
    seen.add(value)
    for (const key of Reflect.ownKeys(value)) {
      if (typeof value === 'function' && (key === 'caller' || key === 'arguments')) continue
      queue.push((value as Record<PropertyKey, unknown>)[key])
    }
  }
  return [...seen]
}

describe('preload', () => {
  it('exposes exactly the contract methods, as functions', () => {
    expect(Object.keys(exposed).sort()).toEqual([...API_METHOD_NAMES].sort())
    expect(Reflect.ownKeys(exposed)).toHaveLength(API_METHOD_NAMES.length)
    for (const method of API_METHOD_NAMES) expect(typeof exposed[method]).toBe('function')
    expect(Object.isFrozen(exposed)).toBe(true)
  })

  it('lets no ipcRenderer, invoke, send or on escape', () => {
    for (const key of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'on', 'once', 'postMessage']) expect(exposed).not.toHaveProperty(key)
    const values = reachable(exposed)
    expect(values).not.toContain(electron.ipcRenderer)
    for (const fn of Object.values(electron.ipcRenderer)) expect(values).not.toContain(fn)
  })

  it.each(API_METHOD_NAMES)('%s calls its own channel with the one argument, and nothing more', async (method: ApiMethod) => {
    electron.ipcRenderer.invoke.mockClear()
    const fn = exposed[method] as (...args: unknown[]) => Promise<unknown>
    await expect(fn({ a: 1 }, 'api:calls.act', { smuggled: true })).resolves.toEqual({ channel: `api:${method}`, args: { a: 1 } })
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledExactlyOnceWith(`api:${method}`, { a: 1 })
    expect(electron.ipcRenderer.send).not.toHaveBeenCalled()
  })

  it('rejects with plain { name, code, message } data, which survives contextBridge', async () => {
    electron.ipcRenderer.invoke.mockRejectedValueOnce(
      new Error(`Error invoking remote method 'api:library.get': Error: PRETEXT_API_ERROR{"code":"not-found","message":"No scenario \\"x\\""}`),
    )
    const error: unknown = await (exposed['library.get'] as (args: unknown) => Promise<unknown>)({ scenarioId: 'x' }).catch((e: unknown) => e)
    expect(error).toEqual({ name: 'ApiError', code: 'not-found', message: 'No scenario "x"' })
    expect(Object.getPrototypeOf(error)).toBe(Object.prototype)
  })
})
