import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@core/api/methods'
import type { SessionEvent } from '@core/session/events'
import { createFakeBackend, installBackend, type FakeBackend } from '../../stores/testing/fakeBackend'
import { useCallSessionStore } from '../../stores/callSession'
import CallConsole from './CallConsole.vue'

vi.mock('../../api', async () => ({ api: (await import('../../stores/testing/fakeBackend')).delegatingApi }))

let backend: FakeBackend
let wrapper: VueWrapper | null = null

async function onCall(mode: 'practice' | 'assessment' = 'practice') {
  const pinia = createPinia()
  setActivePinia(pinia)
  const store = useCallSessionStore()
  await store.start({ scenarioId: 'airport-stolen-phone', mode, trainee: 'Ana' })
  wrapper = mount(CallConsole, { global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  return { store, wrapper }
}

function press(key: string, target: EventTarget = window): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
}

function appended(): SessionEvent[] {
  return backend.calls.filter((c) => c.method === 'sessions.append').map((c) => (c.args as { event: SessionEvent }).event)
}

beforeEach(() => {
  backend = installBackend(createFakeBackend())
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

describe('CallConsole keyboard', () => {
  it('runs a single-key action (P asks for the PIN)', async () => {
    await onCall()
    press('p')
    await flushPromises()
    expect(appended().map((e) => e.type)).toEqual(['ask-pin'])
  })

  it('opens the destination chooser on O, with the traps as ordinary options, and sends on a number key', async () => {
    const { wrapper } = await onCall()
    press('o')
    await flushPromises()
    const chooser = wrapper.find('.chooser')
    expect(chooser.exists()).toBe(true)
    const labels = chooser.findAll('.chooser__option').map((o) => o.text())
    expect(labels).toHaveLength(5)
    expect(labels.join('\n')).toMatch(/Line of record[\s\S]*Email of record[\s\S]*calling now[\s\S]*caller gives[\s\S]*new SIM/)
    press('3', chooser.element)
    await flushPromises()
    expect(wrapper.find('.chooser').exists()).toBe(false)
    expect(appended()).toEqual([expect.objectContaining({ type: 'send-otp', to: 'calling-number', seq: 1 })])
  })

  it('backs out of a chooser with Escape and records nothing', async () => {
    const { wrapper } = await onCall()
    press('e')
    await flushPromises()
    press('Escape', wrapper.find('.chooser').element)
    await flushPromises()
    expect(wrapper.find('.chooser').exists()).toBe(false)
    expect(appended()).toEqual([])
  })

  it('asks for confirmation naming the factors before a high-risk transaction', async () => {
    const { wrapper } = await onCall()
    press('o')
    await flushPromises()
    press('3', wrapper.find('.chooser').element)
    await flushPromises()
    press('h')
    await flushPromises()
    press('2', wrapper.find('.chooser').element)
    await flushPromises()
    const dialog = wrapper.find('.hrt-confirm')
    expect(dialog.exists()).toBe(true)
    expect(dialog.text()).toContain('eSIM transfer')
    expect(dialog.text()).toMatch(/One-time code.*a number the caller supplied/)
    await dialog.find('input[name="notify"]').setValue(true)
    await dialog.findAll('button').find((b) => b.text() === 'Place order')!.trigger('click')
    await flushPromises()
    expect(appended().at(-1)).toEqual(expect.objectContaining({ type: 'perform-hrt', kind: 'esim-transfer', notify: true, hold: false }))
  })

  it('picks a phrasing with a number key', async () => {
    const { store } = await onCall()
    press('1')
    await flushPromises()
    expect(appended()).toEqual([expect.objectContaining({ type: 'say', choice: store.choices[0]!.id })])
  })

  it('does not treat typing in the notes as shortcuts, and saves the note with its checklist', async () => {
    const { wrapper } = await onCall()
    const textarea = wrapper.find('textarea')
    await textarea.setValue('Denied; suspected fraud')
    press('d', textarea.element)
    await flushPromises()
    expect(appended()).toEqual([])
    await wrapper.find('input[name="note-factors"]').setValue(true)
    await wrapper.find('input[name="note-red-flags"]').setValue(true)
    await textarea.trigger('keydown', { key: 'Enter', ctrlKey: true })
    await flushPromises()
    expect(appended()).toEqual([expect.objectContaining({ type: 'note', items: ['factors', 'red-flags'], text: 'Denied; suspected fraud' })])
    expect((textarea.element as HTMLTextAreaElement).value).toBe('')
  })

  it('T moves the keyboard into the notes and Escape brings it back to the console', async () => {
    const { wrapper } = await onCall()
    press('t')
    await flushPromises()
    expect(document.activeElement).toBe(wrapper.find('textarea').element)
    await wrapper.find('textarea').trigger('keydown', { key: 'Escape' })
    expect(document.activeElement).toBe(wrapper.find('.console').element)
    expect(appended()).toEqual([])
  })

  it('F10 asks before ending the call; Escape keeps it going', async () => {
    const { wrapper, store } = await onCall()
    press('F10')
    await flushPromises()
    const dialog = wrapper.find('[aria-labelledby="end-title"]')
    expect(dialog.exists()).toBe(true)
    press('Escape', dialog.element)
    await flushPromises()
    expect(wrapper.find('[aria-labelledby="end-title"]').exists()).toBe(false)
    expect(store.phase).toBe('in-call')
  })

  it('shows a save failure, with the action not applied, and retries it', async () => {
    const { wrapper, store } = await onCall()
    backend.failNextAppend(new ApiError('storage', 'Database is locked.'))
    press('p')
    await flushPromises()
    const banner = wrapper.find('.banner--danger')
    expect(banner.text()).toContain('Not saved: Ask for the account PIN')
    expect(banner.text()).toContain('Database is locked.')
    expect(banner.text()).toContain('not applied')
    expect(store.events).toHaveLength(0)
    await banner.findAll('button').find((b) => b.text() === 'Retry')!.trigger('click')
    await flushPromises()
    expect(wrapper.find('.banner--danger').exists()).toBe(false)
    expect(store.events.map((e) => e.type)).toEqual(['ask-pin'])
  })

  it('shows the policy strip and hints in practice mode only', async () => {
    const practice = await onCall('practice')
    expect(practice.wrapper.find('.policy-strip').exists()).toBe(true)
    expect(practice.wrapper.find('.hint').exists()).toBe(true)
    practice.wrapper.unmount()
    const assessment = await onCall('assessment')
    expect(assessment.wrapper.find('.policy-strip').exists()).toBe(false)
    expect(assessment.wrapper.find('.hint').exists()).toBe(false)
  })

  it('types the caller out, announces the whole line at once, and Space shows it all', async () => {
    const { wrapper } = await onCall()
    const opening = 'Hi, my phone was just stolen at the gate'
    expect(wrapper.find('.transcript').text()).not.toContain(opening)
    expect(wrapper.find('[aria-live="polite"]').text()).toContain(`Caller: ${opening}`)
    press(' ')
    await flushPromises()
    expect(wrapper.find('.transcript').text()).toContain(opening)
    expect(wrapper.find('.transcript__typing').exists()).toBe(false)
  })

  it('shows the agent line as sent, the moment main acknowledges it', async () => {
    const { wrapper } = await onCall()
    press('p')
    await flushPromises()
    const agent = wrapper.findAll('.line--agent')
    expect(agent.map((l) => l.text()).join(' ')).toContain('Can I have the account PIN, please?')
  })
})
