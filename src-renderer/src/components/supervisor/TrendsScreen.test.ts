import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { AgentAction } from '@core/session/events'
import { createFakeBackend, installBackend, type FakeBackend } from '../../stores/testing/fakeBackend'
import App from '../../App.vue'

// happy-dom has no canvas: the drawing is checked in Chromium (tests/e2e); here, the tables and the drill-down.
vi.mock('vue-chartjs', async () => {
  const { defineComponent, h } = await import('vue')
  const stub = (name: string) =>
    defineComponent({
      name,
      props: { data: { type: Object, required: true }, options: { type: Object, required: true }, ariaLabel: { type: String, required: true } },
      setup: (props) => () => h('canvas', { 'data-chart': name, role: 'img', 'aria-label': props.ariaLabel }),
    })
  return { Line: stub('Line'), Bar: stub('Bar') }
})
vi.mock('../../api', async () => ({ api: (await import('../../stores/testing/fakeBackend')).delegatingApi }))

const PASSING: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'deny' }, { type: 'end-call' }]
const FAILING: AgentAction[] = [{ type: 'ask-knowledge', question: 'dob' }, { type: 'perform-hrt', kind: 'sim-change', notify: false, hold: false }, { type: 'end-call' }]

let backend: FakeBackend
const mounted: VueWrapper[] = []

async function play(trainee: string, actions: AgentAction[]): Promise<void> {
  const { session } = await backend.startAs(trainee, { scenarioId: 'airport-stolen-phone', mode: 'assessment' })
  let step = 0
  for (const action of actions) {
    const view = await backend.api['calls.act']({ sessionId: session.sessionId, step, action }).catch(() => null)
    if (view) step = view.step
  }
  await backend.api['calls.end']({ sessionId: session.sessionId })
}

beforeEach(async () => {
  localStorage.clear()
  backend = installBackend(createFakeBackend())
  await play('Sam', PASSING)
  await play('Lee', FAILING)
  await backend.api['role.setPassphrase']({ passphrase: 'correct horse', name: 'Ada' })
})
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

/** The app, unlocked, on the trends screen (loaded on demand: its chart library stays out of the first paint). */
async function openTrends(): Promise<VueWrapper> {
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(App, { global: { plugins: [pinia] }, attachTo: document.body })
  mounted.push(wrapper)
  await flushPromises()
  await wrapper.findAll('.supnav__tab')[3]!.trigger('click')
  await vi.waitFor(async () => {
    await flushPromises()
    expect(wrapper.find('h1').text()).toBe('Trends')
  })
  return wrapper
}

describe('trends', () => {
  it('while main is still checking every record, shows how far it has got, then the trends', async () => {
    const api = backend.api as unknown as Record<string, (args: unknown) => Promise<unknown>>
    const realGet = api['trends.get']!
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let checked = 0
    api['trends.get'] = async (args) => {
      await gate
      return realGet(args)
    }
    api['trends.progress'] = async () => ({ checked: (checked += 25_000), total: 100_000, done: false })

    const wrapper = await openTrends()
    await vi.waitFor(() => expect(wrapper.find('progress#t-checking').exists()).toBe(true))
    const bar = wrapper.find('progress#t-checking')
    expect(bar.attributes('max')).toBe('100000')
    expect(Number(bar.attributes('value'))).toBeGreaterThan(0)
    expect(wrapper.find('label[for="t-checking"]').text()).toBe('Checking records')
    expect(wrapper.find('[role="status"]').text()).toMatch(/^Checking every session’s record before it is counted: [\d,]+ of 100,000 checked\.$/)

    release()
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('[role="status"]').text()).toMatch(/verified assessment sessions/)
    })
    expect(wrapper.find('progress#t-checking').exists()).toBe(false)
  })

  it('gives every chart a table, and a value in it opens exactly the sessions behind it', async () => {
    const wrapper = await openTrends()
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.findAll('figure.chart').length).toBeGreaterThan(0)
    })

    const charts = wrapper.findAll('figure.chart')
    expect(charts.map((c) => c.find('.chart__title').text())).toEqual(expect.arrayContaining(['Pass rate', 'Critical-failure rate', 'Failures per rule']))
    for (const chart of charts.filter((c) => !c.find('.chart__empty').exists())) {
      // The canvas is an image with a label; the numbers are in the table for screen readers.
      expect(chart.find('[role="img"]').attributes('aria-label')).toContain('The table below gives every value.')
      expect(chart.find('details.chart__table table').exists()).toBe(true)
    }

    await wrapper.find('#t-trainee').setValue('Lee')
    await flushPromises()
    const byTrainee = wrapper.findAll('.trends__by input').find((i) => (i.element as HTMLInputElement).value === 'trainee')!
    await byTrainee.setValue(true)
    await flushPromises()
    const cell = wrapper.findAll('figure.chart')[0]!.find('td button')
    expect(cell.attributes('aria-label')).toMatch(/^Lee, Wk of .*: \d+% of 1 session\. Open it\.$/)
    await cell.trigger('click')
    await flushPromises()
    expect(wrapper.find('h1').text()).toBe('Sessions')
    const rows = wrapper.findAll('.sup-row')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.text()).toContain('Lee')
  })
})
