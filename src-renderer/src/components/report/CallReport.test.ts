import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createFakeBackend, installBackend } from '../../stores/testing/fakeBackend'
import { useCallSessionStore } from '../../stores/callSession'
import CallReport from './CallReport.vue'

vi.mock('../../api', async () => ({ api: (await import('../../stores/testing/fakeBackend')).delegatingApi }))

const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

beforeEach(() => {
  installBackend(createFakeBackend()).pickProfile('Ana')
  Element.prototype.scrollIntoView = vi.fn()
})

async function reportAfter(actions: Parameters<ReturnType<typeof useCallSessionStore>['act']>[0][]) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const store = useCallSessionStore()
  await store.start({ scenarioId: 'airport-stolen-phone', mode: 'assessment' })
  for (const a of actions) expect(await store.act(a)).toBe(true)
  await store.endCall()
  const wrapper = mount(CallReport, { global: { plugins: [pinia] }, attachTo: document.body })
  mounted.push(wrapper)
  await flushPromises()
  return { wrapper, store }
}

describe('CallReport', () => {
  it('opens on the verdict: FAIL as a word and an icon, the score apart, the critical failures with their rules', async () => {
    const { wrapper } = await reportAfter([
      { type: 'send-otp', to: 'calling-number' },
      { type: 'perform-hrt', kind: 'esim-transfer', notify: false, hold: false },
    ])
    const verdict = wrapper.find('.verdict')
    expect(verdict.find('.verdict-mark').text()).toBe('FAIL')
    expect(verdict.find('.verdict-mark svg').exists()).toBe(true)
    expect(wrapper.find('[data-testid="score"]').text()).toBe('0/100')
    const cf = wrapper.findAll('.critical__item').map((i) => i.text())
    expect(cf[0]).toMatch(/CF2\s*R5/)
    expect(cf[0]).toContain('Step 1')
    expect(cf.some((t) => /CF1\s*R4/.test(t) && t.includes('Step 2'))).toBe(true)
  })

  it('names what each deduction was scored under in words, never by a rubric id', async () => {
    // A knowledge question "to be safe" after verification is an outcome adjustment (OUT-non-factor in the rubric).
    const { wrapper } = await reportAfter([{ type: 'ask-knowledge', question: 'dob' }, { type: 'ask-pin' }, { type: 'deny' }])
    const rows = wrapper.findAll('.deductions tbody tr')
    const ids = rows.map((r) => r.attributes('data-item'))
    expect(ids).toContain('OUT-non-factor')
    expect(ids).toContain('A3')
    const items = rows.map((r) => r.findAll('td')[1]!.text())
    expect(items[ids.indexOf('OUT-non-factor')]).toBe('Outcome adjustment')
    expect(items[ids.indexOf('A3')]).toMatch(/notes|locks/i)
    expect(items.every((t) => t.length > 3 && !/\b(OUT-[a-z-]+|[A-E]\d)\b/.test(t))).toBe(true)
    expect(wrapper.find('.deductions').text()).not.toMatch(/OUT-/)
  })

  it('lists deductions in call order with rule ids, and a step link highlights that moment in the transcript', async () => {
    const { wrapper } = await reportAfter([{ type: 'ask-pin' }, { type: 'deny' }])
    const rows = wrapper.findAll('.deductions tbody tr')
    expect(rows.length).toBeGreaterThan(0)
    const steps = rows.map((r) => r.find('td').text()).map((t) => (t.startsWith('Step') ? Number(t.slice(5)) : Infinity))
    expect([...steps].sort((a, b) => a - b)).toEqual(steps)
    expect(rows.every((r) => /R\d+/.test(r.findAll('td')[2]!.text()))).toBe(true)
    const link = rows.find((r) => r.find('button.step-link').exists())!.find('button.step-link')
    const seq = Number(link.text().slice(5))
    await link.trigger('click')
    await flushPromises()
    const step = wrapper.find(`#step-${seq}`)
    expect(step.classes()).toContain('step--highlight')
    expect(document.activeElement).toBe(step.element)
  })

  it('shows the tactics used and whether each was countered, and what a good agent would have done', async () => {
    const { wrapper } = await reportAfter([{ type: 'ask-pin' }, { type: 'deny' }])
    const tactics = wrapper.findAll('.tactics__row').map((r) => r.text())
    expect(tactics.some((t) => t.startsWith('Urgency') && t.includes('Opening') && t.includes('Countered'))).toBe(true)
    expect(wrapper.find('.good-path__list').text()).toContain('Ask for the account PIN')
  })

  it('marks in the transcript where an interrupted call was resumed', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const backend = installBackend(createFakeBackend())
    backend.pickProfile('Ana')
    const store = useCallSessionStore()
    await store.start({ scenarioId: 'airport-stolen-phone', mode: 'assessment' })
    await store.act({ type: 'ask-pin' })
    backend.interrupt(store.info!.sessionId)
    expect(await store.resume(store.info!.sessionId)).toBe(true)
    await store.act({ type: 'deny' })
    await store.endCall()
    const wrapper = mount(CallReport, { global: { plugins: [pinia] }, attachTo: document.body })
    mounted.push(wrapper)
    await flushPromises()
    const marks = wrapper.findAll('[data-testid="resume-mark"]')
    expect(marks).toHaveLength(1)
    expect(marks[0]!.text()).toMatch(/interrupted here and resumed/)
    expect(wrapper.find('#step-1 [data-testid="resume-mark"]').exists()).toBe(true)
  })

  it('offers Retry and Back to scenarios', async () => {
    const { wrapper, store } = await reportAfter([{ type: 'deny' }])
    const retry = wrapper.findAll('button').find((b) => b.text().includes('Retry'))!
    await retry.trigger('click')
    await flushPromises()
    expect(store.phase).toBe('in-call')
    expect(store.savedCount).toBe(0)
  })
})
