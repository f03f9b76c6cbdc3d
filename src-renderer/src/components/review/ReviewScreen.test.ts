import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { AgentAction } from '@core/session/events'
import { createFakeBackend, installBackend, type FakeBackend } from '../../stores/testing/fakeBackend'
import { useNavigationStore } from '../../stores/navigation'
import { useReviewStore } from '../../stores/review'
import App from '../../App.vue'

vi.mock('../../api', async () => ({ api: (await import('../../stores/testing/fakeBackend')).delegatingApi }))

/** A call that gives the fraudster nothing but is rude and forgets the note: deductions to review. */
const DENIAL: AgentAction[] = [
  { type: 'check-account' },
  { type: 'ask-pin' },
  { type: 'deny' },
  { type: 'say', choice: 'sounds-like-fraud' },
  { type: 'note', items: ['outcome'], text: 'Caller had no PIN.\nDenied; told them it sounded like fraud.' },
  { type: 'end-call' },
]

let backend: FakeBackend
let sessionId: string
const mounted: VueWrapper[] = []

beforeEach(async () => {
  localStorage.clear()
  backend = installBackend(createFakeBackend())
  const { session } = await backend.startAs('Sam', { scenarioId: 'airport-stolen-phone', mode: 'assessment' })
  let step = 0
  for (const action of DENIAL) step = (await backend.api['calls.act']({ sessionId: session.sessionId, step, action })).step
  await backend.api['calls.end']({ sessionId: session.sessionId })
  sessionId = session.sessionId
  await backend.api['profiles.create']({ name: 'Sam' })
})
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

async function app(): Promise<VueWrapper> {
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(App, { global: { plugins: [pinia] }, attachTo: document.body })
  mounted.push(wrapper)
  await flushPromises()
  return wrapper
}

async function press(key: string, target: EventTarget = window): Promise<void> {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }))
  await flushPromises()
}

async function unlockAsSupervisor(wrapper: VueWrapper, passphrase = 'correct horse'): Promise<void> {
  await wrapper.find('.appbar__button').trigger('click')
  await flushPromises()
  await wrapper.find('#pass-name').setValue('Ada')
  if (wrapper.find('#pass-next').exists()) {
    await wrapper.find('#pass-next').setValue(passphrase)
    await wrapper.find('#pass-repeat').setValue(passphrase)
  } else {
    await wrapper.find('#pass-current').setValue(passphrase)
  }
  await wrapper.find('.passphrase form').trigger('submit')
  await flushPromises()
}

describe('supervisor mode', () => {
  it('sets the passphrase on first use, then a wrong one says how long to wait and unlocks nothing', async () => {
    const wrapper = await app()
    await unlockAsSupervisor(wrapper)
    expect(wrapper.find('.supnav').exists()).toBe(true)
    expect(wrapper.find('h1').text()).toBe('Review queue')

    await wrapper.find('.supnav__end .btn--secondary').trigger('click')
    await flushPromises()
    expect(wrapper.find('.supnav').exists()).toBe(false)

    await unlockAsSupervisor(wrapper, 'wrong guess!')
    const error = wrapper.find('[data-testid="passphrase-error"]')
    expect(error.text()).toMatch(/not right.*try again in 1 second/i)
    expect(wrapper.find('.passphrase [role="status"]').text()).toMatch(/try again in \d+ seconds?/)
    expect(wrapper.find('.passphrase button[type="submit"]').attributes('disabled')).toBeDefined()
    expect(wrapper.find('.supnav').exists()).toBe(false)
    expect(await backend.api['role.get']({})).toMatchObject({ role: 'trainee' })
  })
})

describe('reviewing a session', () => {
  it('filters the list, opens with Enter, steps with J/K, comments on a step, overrides with a reason, signs off and publishes', async () => {
    const wrapper = await app()
    await unlockAsSupervisor(wrapper)
    await wrapper.findAll('.supnav__tab')[1]!.trigger('click')
    await flushPromises()
    expect(wrapper.find('h1').text()).toBe('Sessions')

    await wrapper.find('#f-trainee').setValue('Sam')
    await wrapper.find('#f-compliance').setValue('pass')
    await wrapper.find('.filters').trigger('submit')
    await flushPromises()
    const rows = wrapper.findAll('.sup-row')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.text()).toContain('Awaiting review')

    await press('Enter', rows[0]!.element)
    expect(wrapper.find('#review-heading').text()).toContain('Stolen phone at the gate')
    expect(wrapper.find('[data-testid="replay-position"]').text()).toBe('Call connected')

    await press('j')
    await press('j')
    expect(wrapper.find('[data-testid="replay-position"]').text()).toBe('Before decision 2 of 6')
    expect(wrapper.find('[data-testid="step-decision"]').text()).toMatch(/PIN/i)
    expect(wrapper.find('[data-testid="step-time"]').text()).toMatch(/^\d\d:\d\d into the call · took \d+ s$/)
    // The console is the trainee's, read-only: the account panel and caller panel as they were.
    expect(wrapper.find('.replay .account').exists()).toBe(true)
    expect(wrapper.find('.replay .caller').exists()).toBe(true)

    await press('j')
    await press('j')
    expect(wrapper.find('[data-testid="step-decision"]').text()).toMatch(/sounds like fraud/i)
    expect(wrapper.find('.judgement[data-item="D1"]').exists()).toBe(true)
    await press('k')
    await press('j')

    await wrapper.find('#comment-text').setValue('Never tell a caller they sound like a fraud.')
    await wrapper.find('.comment-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('.comments').text()).toContain('Never tell a caller they sound like a fraud.')
    expect(wrapper.find('.timeline__step--on').text()).toContain('1')
    await press('k')
    expect(wrapper.find('.comments').exists()).toBe(false)

    // Override E1 with a reason: automatic and human side by side, the automatic counting until sign-off.
    const e1 = wrapper.find('.scorecard tr[data-item="E1"]')
    await e1.find('button').trigger('click')
    await wrapper.find('#grade-E1').setValue('5')
    await wrapper.find('#reason-E1').setValue('The note covers what happened.')
    await wrapper.find('.grade-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('.scorecard tr[data-item="E1"]').text()).toContain('5/5')
    expect(wrapper.find('.scorecard tr[data-item="E1"]').text()).toContain('The note covers what happened.')
    expect(wrapper.find('[data-testid="counting"]').text()).toContain('Automatic score counts')

    await wrapper.findAll('.scorecard__flow button').find((b) => b.text().includes('Sign off'))!.trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="counting"]').text()).toContain('Supervisor’s score counts')
    await wrapper.findAll('.scorecard__flow button').find((b) => b.text().includes('Publish'))!.trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="review-state"]').text()).toBe('Published')

    const events = backend.review.reviewEvents.get(sessionId)!.map((e) => e.type)
    expect(events).toEqual(['comment', 'override', 'sign-off', 'publish'])
    // Review events never touch the trainee's events.
    expect(backend.eventsOf(sessionId)).toHaveLength(DENIAL.length)
  })

  it('shows the trainee their published review; they dispute a deduction and the supervisor rules on it', async () => {
    await backend.api['role.setPassphrase']({ passphrase: 'correct horse', name: 'Ada' })
    await backend.api['review.act']({ sessionId, action: { type: 'sign-off' } })
    await backend.api['review.act']({ sessionId, action: { type: 'publish' } })
    const [sam] = await backend.api['profiles.list']({})
    await backend.api['profiles.select']({ profileId: sam!.id })

    const wrapper = await app()
    const open = wrapper.find('.history__review')
    expect(open.text()).toBe('New review')
    await open.trigger('click')
    await flushPromises()
    expect(wrapper.find('#review-heading').text()).toContain('Your review')
    expect(wrapper.find('.comment-form').exists()).toBe(false)

    const d1 = wrapper.find('.scorecard tr[data-item="D1"]')
    await d1.findAll('button').find((b) => b.text() === 'Dispute')!.trigger('click')
    await wrapper.find('#reason-D1').setValue('I was quoting policy, not accusing.')
    await wrapper.find('.grade-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="review-state"]').text()).toBe('Disputed')

    // The supervisor sees it in the queue and rules.
    useReviewStore().close()
    useNavigationStore().go('picker')
    await flushPromises()
    await unlockAsSupervisor(wrapper)
    const dispute = wrapper.find('[aria-labelledby="disputes-heading"] .sup-row')
    expect(dispute.text()).toContain('D1')
    await dispute.trigger('click')
    await flushPromises()
    await wrapper.find('.scorecard tr[data-item="D1"]').findAll('button').find((b) => b.text() === 'Rule')!.trigger('click')
    await wrapper.find('#reason-D1').setValue('Accusatory wording, whatever the intent.')
    await wrapper.find('.grade-form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="review-state"]').text()).toBe('Dispute ruled')
    expect(wrapper.find('.scorecard tr[data-item="D1"]').text()).toContain('deduction upheld')
  })

  it('grades blind: no automatic score, no judgement, no other review; then the agreement report', async () => {
    await backend.api['role.setPassphrase']({ passphrase: 'correct horse', name: 'Ada' })
    await backend.api['review.act']({ sessionId, action: { type: 'comment', step: 1, text: 'A comment a blind grader must not see.' } })
    const wrapper = await app()
    await wrapper.findAll('.supnav__tab')[2]!.trigger('click')
    await flushPromises()
    await wrapper.find('[aria-labelledby="cal-grade-heading"] .sup-row').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="blind-grade"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="scorecard"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('A comment a blind grader must not see.')
    await press('End')
    expect(wrapper.find('.judgement').exists()).toBe(false)

    await wrapper.find('#blind-D1').setValue('5')
    await wrapper.find('[data-testid="blind-grade"] form').trigger('submit')
    await flushPromises()
    expect(backend.review.reviewEvents.get(sessionId)!.at(-1)).toMatchObject({ type: 'blind-grade', actor: { name: 'Ada' } })

    await wrapper.findAll('.supnav__tab')[2]!.trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="agree-auto"]').text()).toMatch(/^\d+%$/)
  })
})
