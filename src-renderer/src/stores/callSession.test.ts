import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@core/api/methods'
import { createFakeBackend, installBackend, type FakeBackend } from './testing/fakeBackend'
import { useCallSessionStore } from './callSession'

vi.mock('../api', async () => ({ api: (await import('./testing/fakeBackend')).delegatingApi }))

let backend: FakeBackend

async function startedStore() {
  const store = useCallSessionStore()
  const ok = await store.start({ scenarioId: 'airport-stolen-phone', mode: 'practice', trainee: 'Ana' })
  expect(ok).toBe(true)
  return store
}

beforeEach(() => {
  setActivePinia(createPinia())
  backend = installBackend(createFakeBackend())
})

describe('useCallSessionStore', () => {
  it('starts a session, loads the scenario and enters the opening beat', async () => {
    const store = await startedStore()
    expect(store.phase).toBe('in-call')
    expect(store.info?.seed).toBeGreaterThan(0)
    expect(store.transcript[0]).toMatchObject({ speaker: 'caller', seq: 0 })
    expect(store.transcript[0]?.text).toMatch(/stolen at the gate/)
    expect(store.unlocked).toBe(false)
  })

  it('does not advance the call before main acknowledges the action', async () => {
    const store = await startedStore()
    const before = store.transcript.length
    const hold = backend.holdAppends()
    const acting = store.act({ type: 'ask-pin' })
    await Promise.resolve()
    expect(store.saving).toBe(true)
    expect(store.busy).toBe(true)
    expect(store.events).toHaveLength(0)
    expect(store.transcript).toHaveLength(before)
    // A second action while the first is in flight is refused, not queued.
    expect(await store.act({ type: 'deny' })).toBe(false)
    hold.release()
    expect(await acting).toBe(true)
    expect(store.saving).toBe(false)
    expect(store.events.map((e) => e.type)).toEqual(['ask-pin'])
    expect(store.transcript.length).toBeGreaterThan(before)
    expect(store.transcript.some((l) => l.speaker === 'agent' && /PIN/.test(l.text))).toBe(true)
  })

  it('numbers events from 1 with no gaps and stamps them with the time of the action', async () => {
    const store = await startedStore()
    await store.act({ type: 'ask-pin' })
    await store.act({ type: 'check-account' })
    const stored = backend.sessions.get(store.info!.sessionId)!.events
    expect(stored.map((e) => e.seq)).toEqual([1, 2])
    expect(stored.every((e) => typeof e.at === 'number' && e.at > 0)).toBe(true)
  })

  it('surfaces a failed append, applies nothing, and applies the action on retry', async () => {
    const store = await startedStore()
    const before = store.transcript.length
    backend.failNextAppend(new ApiError('storage', 'The disk is full.'))
    expect(await store.act({ type: 'ask-pin' })).toBe(false)
    expect(store.saveError).toBe('The disk is full.')
    expect(store.pending?.type).toBe('ask-pin')
    expect(store.events).toHaveLength(0)
    expect(store.transcript).toHaveLength(before)
    expect(await store.act({ type: 'deny' })).toBe(false)

    expect(await store.retry()).toBe(true)
    expect(store.saveError).toBeNull()
    expect(store.pending).toBeNull()
    expect(store.events.map((e) => e.type)).toEqual(['ask-pin'])
    expect(store.transcript.length).toBeGreaterThan(before)
  })

  it('discarding a failed action leaves the call as it was', async () => {
    const store = await startedStore()
    backend.failNextAppend(new ApiError('storage', 'The disk is full.'))
    await store.act({ type: 'deny' })
    store.discard()
    expect(store.pending).toBeNull()
    expect(store.saveError).toBeNull()
    expect(await store.act({ type: 'ask-pin' })).toBe(true)
    expect(backend.sessions.get(store.info!.sessionId)!.events.map((e) => e.type)).toEqual(['ask-pin'])
  })

  it('treats a retry that conflicts with the very same stored event as acknowledged', async () => {
    const store = await startedStore()
    backend.loseNextAck()
    expect(await store.act({ type: 'ask-pin' })).toBe(false)
    expect(store.saveError).toMatch(/lost/)
    expect(await store.retry()).toBe(true)
    expect(store.events).toHaveLength(1)
    expect(backend.sessions.get(store.info!.sessionId)!.events).toHaveLength(1)
  })

  it('ends the call with end-call, then shows the report main computed', async () => {
    const store = await startedStore()
    await store.act({ type: 'send-otp', to: 'calling-number' })
    await store.act({ type: 'perform-hrt', kind: 'esim-transfer', notify: false, hold: false })
    // The caller hung up after the swap (an authored ending): no end-call event is needed.
    expect(store.callOver).toBe(true)
    expect(await store.endCall()).toBe(true)
    expect(store.phase).toBe('report')
    expect(store.report?.compliance).toBe('fail')
    expect(store.report?.score).toBe(0)
    expect(store.report?.criticalFailures.map((c) => c.id)).toEqual(expect.arrayContaining(['CF1', 'CF2']))
    expect(backend.calls.filter((c) => c.method === 'sessions.append')).toHaveLength(2)
  })

  it('records end-call when the agent hangs up', async () => {
    const store = await startedStore()
    await store.act({ type: 'deny' })
    expect(await store.endCall()).toBe(true)
    const events = backend.sessions.get(store.info!.sessionId)!.events
    expect(events.at(-1)?.type).toBe('end-call')
    expect(store.reportTranscript.some((l) => /Thank you for calling/.test(l.text))).toBe(true)
  })

  it('reports a scenario that cannot be loaded without starting a session', async () => {
    const store = useCallSessionStore()
    expect(await store.start({ scenarioId: 'no-such-scenario', mode: 'practice', trainee: 'Ana' })).toBe(false)
    expect(store.phase).toBe('idle')
    expect(store.startError).toMatch(/no-such-scenario/)
    expect(backend.calls.some((c) => c.method === 'sessions.start')).toBe(false)
  })

  it('reopens a stored session as a report', async () => {
    const store = await startedStore()
    await store.act({ type: 'deny' })
    await store.endCall()
    const id = store.info!.sessionId
    store.leave()
    expect(store.phase).toBe('idle')
    expect(await store.openRecord(id)).toBe(true)
    expect(store.phase).toBe('report')
    expect(store.report).not.toBeNull()
    expect(store.lastStart).toEqual({ scenarioId: 'airport-stolen-phone', mode: 'practice', trainee: 'Ana' })
  })
})
