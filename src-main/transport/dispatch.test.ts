import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ApiMethod, ApiResults, CallerContext } from '@core/api/contract'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import { createServices, type Services } from '../services/index'
import { dispatchApiCall } from './dispatch'

/**
 * Roles on session reads and calls, through the one dispatch step both
 * transports share, with the real services: an Electron window and a bridge
 * page are each a connection of their own (ipc.ts names them `ipc:<id>`,
 * bridge/server.ts `bridge:<page id>`), and each holds its own role.
 */

const REPO = resolve(__dirname, '..', '..')
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)

const ANA: CallerContext = { connection: 'ipc:1' }
const BEN: CallerContext = { connection: 'bridge:page-2f9c41d0' }
const NOBODY: CallerContext = { connection: 'bridge' }
const SUPERVISOR: CallerContext = { connection: 'ipc:2' }

let dir: string
let services: Services

function call<M extends ApiMethod>(method: M, args: unknown, caller: CallerContext): Promise<ApiResults[M]> {
  return dispatchApiCall(services.api, method, args, caller) as Promise<ApiResults[M]>
}

async function pick(name: string, caller: CallerContext): Promise<void> {
  const profile = await call('profiles.create', { name }, caller)
  await call('profiles.select', { profileId: profile.id }, caller)
}

/** A finished call of the connection's own trainee. */
async function finishedCall(caller: CallerContext): Promise<string> {
  const { session } = await call('calls.start', { scenarioId: 'airport-stolen-phone', mode: 'assessment' }, caller)
  await call('calls.act', { sessionId: session.sessionId, step: 0, action: { type: 'ask-pin' } }, caller)
  await call('calls.end', { sessionId: session.sessionId }, caller)
  return session.sessionId
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-dispatch-'))
  cpSync(join(REPO, 'scenarios'), join(dir, 'scenarios'), { recursive: true })
  services = await createServices({ dataDir: join(dir, 'data'), scenariosDir: join(dir, 'scenarios'), parse, seed: () => 7 })
})
afterEach(() => {
  services.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('calls are recorded under the connection’s profile', () => {
  it('refuses a call before a profile is chosen, and a trainee name sent with it', async () => {
    await expect(call('calls.start', { scenarioId: 'airport-stolen-phone', mode: 'practice' }, NOBODY)).rejects.toMatchObject({
      code: 'forbidden',
      message: 'Pick your profile first: a call is recorded under the profile you chose.',
    })
    await pick('Ana', ANA)
    await expect(call('calls.start', { scenarioId: 'airport-stolen-phone', mode: 'practice', trainee: 'Ben' }, ANA)).rejects.toMatchObject({ code: 'invalid-argument' })
    const { session } = await call('calls.start', { scenarioId: 'airport-stolen-phone', mode: 'practice' }, ANA)
    expect(session.trainee).toBe('Ana')
  })

  it('lets only the trainee whose call it is act on it, view it, end it or take it up again', async () => {
    await pick('Ana', ANA)
    await pick('Ben', BEN)
    const { session } = await call('calls.start', { scenarioId: 'airport-stolen-phone', mode: 'assessment' }, ANA)
    const sessionId = session.sessionId
    for (const [method, args] of [
      ['calls.act', { sessionId, step: 0, action: { type: 'ask-pin' } }],
      ['calls.view', { sessionId }],
      ['calls.end', { sessionId }],
      ['calls.resume', { sessionId }],
    ] as const) {
      await expect(call(method, args, BEN)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/recorded under Ana, not under your profile/) })
      await expect(call(method, args, NOBODY)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/Pick your profile first/) })
    }
    // Nothing Ben tried reached the call.
    expect(services.store.getSession(sessionId).events).toEqual([])
    expect((await call('calls.act', { sessionId, step: 0, action: { type: 'ask-pin' } }, ANA)).step).toBe(1)
  })
})

describe('session reads', () => {
  it('show a trainee only their own sessions, whatever the filter asks for', async () => {
    await pick('Ana', ANA)
    await pick('Ben', BEN)
    const anas = await finishedCall(ANA)
    const bens = await finishedCall(BEN)

    expect((await call('sessions.list', {}, ANA)).map((s) => s.sessionId)).toEqual([anas])
    expect((await call('sessions.list', { trainee: 'Ben' }, ANA)).map((s) => s.sessionId)).toEqual([anas])
    expect((await call('sessions.list', {}, BEN)).map((s) => s.sessionId)).toEqual([bens])
    expect((await call('sessions.get', { sessionId: anas }, ANA)).info.trainee).toBe('Ana')
    await expect(call('sessions.get', { sessionId: bens }, ANA)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/another trainee/) })
    await expect(call('sessions.get', { sessionId: anas }, BEN)).rejects.toMatchObject({ code: 'forbidden' })
    expect((await call('sessions.query', { trainee: 'Ben' }, ANA)).rows.map((r) => r.sessionId)).toEqual([anas])
    await expect(call('review.open', { sessionId: bens }, ANA)).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('need a profile, or supervisor mode unlocked on that connection, and lock again with it', async () => {
    await pick('Ana', ANA)
    const anas = await finishedCall(ANA)
    await expect(call('sessions.list', {}, NOBODY)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/Pick your profile first/) })
    await expect(call('sessions.get', { sessionId: anas }, NOBODY)).rejects.toMatchObject({ code: 'forbidden' })
    await expect(call('sessions.get', { sessionId: anas }, SUPERVISOR)).rejects.toMatchObject({ code: 'forbidden' })

    await call('role.setPassphrase', { passphrase: 'correct horse battery', name: 'Ada' }, SUPERVISOR)
    expect((await call('sessions.get', { sessionId: anas }, SUPERVISOR)).report).not.toBeNull()
    expect((await call('sessions.list', { trainee: 'Ana' }, SUPERVISOR)).map((s) => s.sessionId)).toEqual([anas])
    expect(await call('sessions.list', { trainee: 'Ben' }, SUPERVISOR)).toEqual([])
    // Unlocked on one connection only.
    await expect(call('sessions.get', { sessionId: anas }, NOBODY)).rejects.toMatchObject({ code: 'forbidden' })
    // A supervisor reads the record but does not take the trainee's call on.
    await expect(call('calls.view', { sessionId: anas }, SUPERVISOR)).rejects.toMatchObject({ code: 'forbidden' })

    await call('role.lock', {}, SUPERVISOR)
    await expect(call('sessions.get', { sessionId: anas }, SUPERVISOR)).rejects.toMatchObject({ code: 'forbidden' })
    await expect(call('sessions.list', {}, SUPERVISOR)).rejects.toMatchObject({ code: 'forbidden' })
  })
})
