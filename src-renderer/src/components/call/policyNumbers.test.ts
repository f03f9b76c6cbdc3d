import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Policy } from '@core/engine/policy'
import { airport, createFakeBackend, installBackend, rubric } from '../../stores/testing/fakeBackend'
import { useCallSessionStore } from '../../stores/callSession'
import CallConsole from './CallConsole.vue'

vi.mock('../../api', async () => ({ api: (await import('../../stores/testing/fakeBackend')).delegatingApi }))

/**
 * The console states the policy's numbers (rubric.yaml), so a carrier that
 * changes them changes what trainees read: nothing here may keep DOMAIN.md's
 * defaults once the policy says otherwise.
 */

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

function press(key: string, target: EventTarget = window): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
}

/** Every sentence of the practice console that carries a policy number, as a trainee would read them. */
async function policyTexts(policy: Policy): Promise<{ strip: string; attempts: string; history: string; safePaths: string; hold: string }> {
  installBackend(createFakeBackend([airport], { rubric: { ...rubric, policy } })).pickProfile('Ana')
  const pinia = createPinia()
  setActivePinia(pinia)
  await useCallSessionStore().start({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
  wrapper = mount(CallConsole, { global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  const strip = wrapper.find('.policy-strip').text()
  const attempts = wrapper.find('[data-chip="attempts"]').text()
  press('n')
  await flushPromises()
  const history = wrapper.find('[data-testid="account-history"]').text()
  press('a')
  await flushPromises()
  const safePaths = wrapper.find('.chooser').text()
  press('Escape', wrapper.find('.chooser').element)
  await flushPromises()
  press('h')
  await flushPromises()
  press('1', wrapper.find('.chooser').element)
  await flushPromises()
  const hold = wrapper.find('.hrt-confirm').text()
  wrapper.unmount()
  wrapper = null
  return { strip, attempts, history, safePaths, hold }
}

describe('policy numbers in the console come from the policy', () => {
  it('states the library policy (rubric.yaml)', async () => {
    const texts = await policyTexts(rubric.policy)
    expect(rubric.policy).toMatchObject({ otpValidityMinutes: 3, recentChangeDays: 30, failedAttemptsPerCall: 2, attemptWindowHours: 24, shortHoldMinutes: 10, remoteHoldHours: 24 })
    expect(texts.strip).toContain('valid 3 minutes')
    expect(texts.strip).toContain('a contact changed in the last 30 days')
    expect(texts.strip).toContain('2 failed attempts: stop, flag, notify.')
    expect(texts.attempts).toContain('0/2')
    expect(texts.history).toContain('Failed attempts (24 h)')
    expect(texts.safePaths).toContain('The new SIM works only after a hold of 24 hours')
    expect(texts.hold).toContain('10 min with the current SIM, 24 h without')
  })

  it('follows a policy with other numbers, and none of the old ones remain', async () => {
    const policy: Policy = {
      otpValidityMinutes: 5,
      recentChangeDays: 45,
      failedAttemptsPerCall: 1,
      failedAttemptsPer24h: 6,
      attemptWindowHours: 48,
      flagBlockHours: 72,
      transferPinValidityDays: 9,
      shortHoldMinutes: 15,
      remoteHoldHours: 36,
    }
    const texts = await policyTexts(policy)
    expect(texts.strip).toContain('valid 5 minutes')
    expect(texts.strip).toContain('a contact changed in the last 45 days')
    expect(texts.strip).toContain('1 failed attempt: stop, flag, notify.')
    expect(texts.strip).toContain('1 fail: stop')
    expect(texts.attempts).toContain('0/1')
    expect(texts.history).toContain('Failed attempts (48 h)')
    expect(texts.safePaths).toContain('The new SIM works only after a hold of 36 hours')
    expect(texts.hold).toContain('15 min with the current SIM, 36 h without')
    const all = Object.values(texts).join('\n')
    for (const old of ['3 minutes', '30 days', '2 failed', '0/2', '24 hours', '10 min', '24 h ']) expect(all).not.toContain(old)
  })
})
