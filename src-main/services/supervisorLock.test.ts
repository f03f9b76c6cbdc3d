import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { delayAfter, SupervisorLock } from './supervisorLock'
import { makeTempDir } from './testing/storeFixtures'

let dir: string
let cleanup: () => void
let now: number
beforeEach(() => {
  ;({ dir, cleanup } = makeTempDir('pretext-lock-'))
  now = 1_700_000_000_000
})
afterEach(() => cleanup())

const lockAt = (file = join(dir, 'supervisor.json')) => new SupervisorLock({ file, clock: () => now })

describe('SupervisorLock', () => {
  it('is unset until first use, then unlocks with that passphrase only', async () => {
    const lock = lockAt()
    expect(lock.isSet()).toBe(false)
    await expect(lock.unlock('anything at all')).rejects.toMatchObject({ code: 'not-found' })
    await lock.setPassphrase('correct horse battery')
    expect(lock.isSet()).toBe(true)
    expect(await lock.unlock('correct horse battery')).toEqual({ ok: true })
    expect((await lock.unlock('wrong horse battery')).ok).toBe(false)
  })

  it('never stores the passphrase', async () => {
    await lockAt().setPassphrase('correct horse battery')
    const stored = readFileSync(join(dir, 'supervisor.json'), 'utf8')
    expect(stored).not.toContain('correct horse battery')
    expect(JSON.parse(stored)).toMatchObject({ version: 1, failures: 0 })
  })

  it('refuses a short passphrase with a sentence that says the minimum', async () => {
    await expect(lockAt().setPassphrase('short')).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('at least 8') })
  })

  it('changes the passphrase only given the current one', async () => {
    const lock = lockAt()
    await lock.setPassphrase('first passphrase')
    await expect(lock.setPassphrase('second passphrase')).rejects.toMatchObject({ code: 'forbidden' })
    await expect(lock.setPassphrase('second passphrase', 'not the first')).rejects.toMatchObject({ code: 'forbidden' })
    now += delayAfter(1)
    await lock.setPassphrase('second passphrase', 'first passphrase')
    expect(await lock.unlock('second passphrase')).toEqual({ ok: true })
    expect((await lock.unlock('first passphrase')).ok).toBe(false)
  })

  it('doubles the delay after each wrong attempt, refuses unchecked while it runs, and keeps it across a restart', async () => {
    await lockAt().setPassphrase('correct horse battery')
    const first = await lockAt().unlock('guess one')
    expect(first).toMatchObject({ ok: false, retryInMs: 1_000 })
    // Even the right passphrase is refused while the delay runs: it is not checked.
    const tooSoon = await lockAt().unlock('correct horse battery')
    expect(tooSoon).toMatchObject({ ok: false, message: expect.stringContaining('try again in 1 second') })
    now += 1_000
    expect(await lockAt().unlock('guess two')).toMatchObject({ ok: false, retryInMs: 2_000 })
    now += 2_000
    expect(await lockAt().unlock('guess three')).toMatchObject({ ok: false, retryInMs: 4_000 })
    now += 4_000
    expect(await lockAt().unlock('correct horse battery')).toEqual({ ok: true })
    // A success clears the count: the next mistake costs 1 s again.
    expect(await lockAt().unlock('guess four')).toMatchObject({ ok: false, retryInMs: 1_000 })
  })

  it('caps the delay at five minutes', () => {
    expect(delayAfter(0)).toBe(0)
    expect(delayAfter(3)).toBe(4_000)
    expect(delayAfter(50)).toBe(300_000)
  })

  it('says what to do when the file is damaged', async () => {
    writeFileSync(join(dir, 'supervisor.json'), '{"version":1,"salt":"zz"}')
    await expect(lockAt().unlock('anything at all')).rejects.toMatchObject({ code: 'storage', message: expect.stringContaining('Restore it from a backup') })
  })
})
