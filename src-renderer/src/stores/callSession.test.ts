import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@core/api/methods'
import { createFakeBackend, installBackend, type FakeBackend } from './testing/fakeBackend'
import { useCallSessionStore } from './callSession'

vi.mock('../api', async () => ({ api: (await import('./testing/fakeBackend')).delegatingApi }))

let backend: FakeBackend

async function startedStore(mode: 'practice' | 'assessment' = 'practice') {
  const store = useCallSessionStore()
  const ok = await store.start({ scenarioId: 'airport-stolen-phone', mode })
  expect(ok).toBe(true)
  return store
}

const storedTypes = (store: ReturnType<typeof useCallSessionStore>) => backend.eventsOf(store.info!.sessionId).map((e) => e.type)

beforeEach(() => {
  setActivePinia(createPinia())
  backend = installBackend(createFakeBackend())
  // Main records a call under the profile the window chose (the picker chooses it before the call).
  backend.pickProfile('Ana')
})

describe('useCallSessionStore', () => {
  it('starts a call on main and shows the opening as main sent it', async () => {
    const store = await startedStore()
    expect(store.phase).toBe('in-call')
    expect(store.info?.seed).toBeGreaterThan(0)
    expect(store.transcript[0]).toMatchObject({ speaker: 'caller', seq: 0 })
    expect(store.transcript[0]?.text).toMatch(/stolen at the gate/)
    expect(store.unlocked).toBe(false)
    // The renderer asked for nothing but the call itself: no scenario, no answer key.
    expect(backend.calls.map((c) => c.method)).toEqual(['calls.start'])
  })

  it('does not move the console before main answers', async () => {
    const store = await startedStore()
    const before = store.transcript.length
    const hold = backend.holdActs()
    const acting = store.act({ type: 'ask-pin' })
    await Promise.resolve()
    expect(store.saving).toBe(true)
    expect(store.busy).toBe(true)
    expect(store.savedCount).toBe(0)
    expect(store.transcript).toHaveLength(before)
    // A second action while the first is in flight is refused, not queued.
    expect(await store.act({ type: 'deny' })).toBe(false)
    hold.release()
    expect(await acting).toBe(true)
    expect(store.saving).toBe(false)
    expect(store.savedCount).toBe(1)
    expect(store.transcript.length).toBeGreaterThan(before)
    expect(store.transcript.some((l) => l.speaker === 'agent' && /PIN/.test(l.text))).toBe(true)
  })

  it('sends only the intent and the step it was chosen at: main numbers and times it', async () => {
    const store = await startedStore()
    await store.act({ type: 'ask-pin' })
    await store.act({ type: 'check-account' })
    const sent = backend.calls.filter((c) => c.method === 'calls.act').map((c) => c.args)
    expect(sent).toEqual([
      { sessionId: store.info!.sessionId, step: 0, action: { type: 'ask-pin' } },
      { sessionId: store.info!.sessionId, step: 1, action: { type: 'check-account' } },
    ])
    expect(backend.eventsOf(store.info!.sessionId).map((e) => e.seq)).toEqual([1, 2])
  })

  it('surfaces a failed send, applies nothing, and applies the action on retry', async () => {
    const store = await startedStore()
    const before = store.transcript.length
    backend.failNextAct(new ApiError('storage', 'The disk is full.'))
    expect(await store.act({ type: 'ask-pin' })).toBe(false)
    expect(store.saveError).toBe('The disk is full.')
    expect(store.pending?.action.type).toBe('ask-pin')
    expect(store.savedCount).toBe(0)
    expect(store.transcript).toHaveLength(before)
    expect(await store.act({ type: 'deny' })).toBe(false)

    expect(await store.retry()).toBe(true)
    expect(store.saveError).toBeNull()
    expect(store.pending).toBeNull()
    expect(storedTypes(store)).toEqual(['ask-pin'])
    expect(store.transcript.length).toBeGreaterThan(before)
  })

  it('discarding a failed action leaves the call as it was', async () => {
    const store = await startedStore()
    backend.failNextAct(new ApiError('storage', 'The disk is full.'))
    await store.act({ type: 'deny' })
    store.discard()
    expect(store.pending).toBeNull()
    expect(store.saveError).toBeNull()
    expect(await store.act({ type: 'ask-pin' })).toBe(true)
    expect(storedTypes(store)).toEqual(['ask-pin'])
  })

  it('treats a retry of an action main stored but whose answer was lost as done, not as a second action', async () => {
    const store = await startedStore()
    backend.loseNextAck()
    expect(await store.act({ type: 'ask-pin' })).toBe(false)
    expect(store.saveError).toMatch(/lost/)
    expect(await store.retry()).toBe(true)
    expect(store.savedCount).toBe(1)
    expect(storedTypes(store)).toEqual(['ask-pin'])
  })

  it('says once why main refused an intent, stores nothing, and shows main’s console', async () => {
    const store = await startedStore()
    expect(await store.act({ type: 'say', choice: 'not-a-phrasing-here' })).toBe(false)
    expect(store.refusal).toMatch(/not on offer/)
    expect(store.pending).toBeNull()
    expect(storedTypes(store)).toEqual([])
    expect(await store.act({ type: 'ask-pin' })).toBe(true)
    expect(store.refusal).toBeNull()
  })

  it('ends the call: main hangs up if needed and the report comes back with the answer key', async () => {
    const store = await startedStore()
    await store.act({ type: 'send-otp', to: 'calling-number' })
    await store.act({ type: 'perform-hrt', kind: 'esim-transfer', notify: false, hold: false })
    // The caller hung up after the swap (an authored ending): no end-call event is needed.
    expect(store.callOver).toBe(true)
    expect(store.played).toBeNull()
    expect(await store.endCall()).toBe(true)
    expect(store.phase).toBe('report')
    expect(store.report?.compliance).toBe('fail')
    expect(store.report?.score).toBe(0)
    expect(store.report?.criticalFailures.map((c) => c.id)).toEqual(expect.arrayContaining(['CF1', 'CF2']))
    expect(store.played?.scenario.caller).toBe('fraud')
    expect(storedTypes(store)).toEqual(['send-otp', 'perform-hrt'])
  })

  it('records end-call when the agent hangs up, and can save the note first', async () => {
    const store = await startedStore()
    await store.act({ type: 'deny' })
    expect(await store.endCall({ type: 'note', items: ['outcome'], text: 'Denied.' })).toBe(true)
    expect(storedTypes(store)).toEqual(['deny', 'note', 'end-call'])
    expect(store.reportTranscript.some((l) => /Thank you for calling/.test(l.text))).toBe(true)
  })

  it('reports a scenario that cannot be started', async () => {
    const store = useCallSessionStore()
    expect(await store.start({ scenarioId: 'no-such-scenario', mode: 'practice' })).toBe(false)
    expect(store.phase).toBe('idle')
    expect(store.startError).toMatch(/no-such-scenario/)
  })

  it('reopens a finished session as a report', async () => {
    const store = await startedStore()
    await store.act({ type: 'deny' })
    await store.endCall()
    const id = store.info!.sessionId
    store.leave()
    expect(store.phase).toBe('idle')
    expect(await store.openRecord(id)).toBe(true)
    expect(store.phase).toBe('report')
    expect(store.report).not.toBeNull()
    expect(store.lastStart).toEqual({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
  })
})
