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
  await store.start({ scenarioId: 'airport-stolen-phone', mode })
  wrapper = mount(CallConsole, { global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  return { store, wrapper }
}

function press(key: string, target: EventTarget = window): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
}

/** What main stored for the call on screen. */
function appended(): readonly SessionEvent[] {
  const session = [...backend.sessions.values()].at(-1)
  return session ? backend.eventsOf(session.info.sessionId) : []
}

/** Let the caller finish speaking (Space), as a trainee does before picking a phrasing. */
async function letCallerFinish(): Promise<void> {
  press(' ')
  await flushPromises()
}

beforeEach(() => {
  backend = installBackend(createFakeBackend())
  // Main records a call under the profile the window chose.
  backend.pickProfile('Ana')
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
    expect(dialog.text()).toMatch(/One-time code.*The number calling now/)
    await dialog.find('input[name="notify"]').setValue(true)
    await dialog.findAll('button').find((b) => b.text() === 'Place order')!.trigger('click')
    await flushPromises()
    expect(appended().at(-1)).toEqual(expect.objectContaining({ type: 'perform-hrt', kind: 'esim-transfer', notify: true, hold: false }))
  })

  it('asks where a change goes and sends it with the intent; without one it places no order', async () => {
    const { wrapper } = await onCall()
    press('h')
    await flushPromises()
    await wrapper.get('.chooser [data-option="change-email"]').trigger('click')
    await flushPromises()
    const dialog = wrapper.get('.hrt-confirm')
    expect(dialog.get('label[for="hrt-target"]').text()).toBe('New email address')
    await dialog.findAll('button').find((b) => b.text() === 'Place order')!.trigger('click')
    await flushPromises()
    expect(appended()).toEqual([])
    await dialog.get('input[name="target"]').setValue('new.me@example.net')
    await dialog.findAll('button').find((b) => b.text() === 'Place order')!.trigger('click')
    await flushPromises()
    expect(appended()).toEqual([expect.objectContaining({ type: 'perform-hrt', kind: 'change-email', target: 'new.me@example.net' })])
  })

  it('picks a phrasing with a number key once the caller has finished, and offers it no more', async () => {
    const { store, wrapper } = await onCall()
    const first = store.choices[0]!.id
    // While the caller speaks the phrasings have no numbers yet: a key then picks nothing.
    expect(wrapper.find('.say__option').exists()).toBe(false)
    expect(wrapper.find('.say__waiting').text()).toMatch(/when the caller has finished/)
    press('1')
    await flushPromises()
    expect(appended()).toEqual([])
    await letCallerFinish()
    expect(wrapper.find(`[data-choice="${first}"]`).exists()).toBe(true)
    press('1')
    await flushPromises()
    expect(appended()).toEqual([expect.objectContaining({ type: 'say', choice: first })])
    await letCallerFinish()
    expect(wrapper.find(`[data-choice="${first}"]`).exists()).toBe(false)
    expect(store.choices.map((c) => c.id)).not.toContain(first)
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
    backend.failNextAct(new ApiError('storage', 'Database is locked.'))
    press('p')
    await flushPromises()
    const banner = wrapper.find('.banner--danger')
    expect(banner.text()).toContain('Not saved: Ask for the account PIN')
    expect(banner.text()).toContain('Database is locked.')
    expect(banner.text()).toContain('not applied')
    expect(store.savedCount).toBe(0)
    await banner.findAll('button').find((b) => b.text() === 'Retry')!.trigger('click')
    await flushPromises()
    expect(wrapper.find('.banner--danger').exists()).toBe(false)
    expect(appended().map((e) => e.type)).toEqual(['ask-pin'])
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

  it('gives every chooser option a key, past nine too (letters), and picks with it', async () => {
    const { wrapper } = await onCall()
    press('k')
    await flushPromises()
    const keys = wrapper.findAll('.chooser__option .chooser__key').map((k) => k.text())
    expect(keys.length).toBeGreaterThan(9)
    expect(keys.slice(0, 11)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B'])
    const tenth = wrapper.findAll('.chooser__option')[9]!.attributes('data-option')
    press('a', wrapper.find('.chooser').element)
    await flushPromises()
    expect(appended()).toEqual([expect.objectContaining({ type: 'ask-knowledge', question: tenth })])
  })

  it('assessment mode shows what the system did and no rule; practice adds the rule', async () => {
    const assessment = await onCall('assessment')
    press('k')
    await flushPromises()
    press('1', assessment.wrapper.find('.chooser').element) // date of birth
    await flushPromises()
    await letCallerFinish()
    expect(appended().at(-1)).toMatchObject({ type: 'ask-knowledge', question: 'dob' })
    expect(assessment.wrapper.find('.console').text()).not.toMatch(/\bR\d+\b/)
    expect(assessment.wrapper.findAll('.line--policy')).toHaveLength(0)
    assessment.wrapper.unmount()

    const practice = await onCall('practice')
    press('k')
    await flushPromises()
    press('1', practice.wrapper.find('.chooser').element)
    await flushPromises()
    await letCallerFinish()
    expect(practice.wrapper.find('.line--policy').text()).toMatch(/not an authentication factor \(R3\)/)
  })
})

describe('CallConsole notes', () => {
  it('Ctrl+Enter saves the note while the keyboard is on a checklist box', async () => {
    const { wrapper } = await onCall()
    const box = wrapper.find('input[name="note-outcome"]')
    await box.setValue(true)
    await box.trigger('keydown', { key: 'Enter', ctrlKey: true })
    await flushPromises()
    expect(appended()).toEqual([expect.objectContaining({ type: 'note', items: ['outcome'] })])
  })

  it('a 10,000-character paste is kept whole, counted, and refused with a clear limit instead of cut to 4,000', async () => {
    const { wrapper } = await onCall()
    const textarea = wrapper.find('textarea')
    expect(textarea.attributes('maxlength')).toBeUndefined()
    await textarea.setValue('x'.repeat(10_000))
    expect((textarea.element as HTMLTextAreaElement).value).toHaveLength(10_000)
    expect(wrapper.find('.notes__count').text()).toBe('6,000 characters over the 4,000 limit: shorten the note to save it.')
    expect(textarea.attributes('aria-invalid')).toBe('true')
    await textarea.trigger('keydown', { key: 'Enter', ctrlKey: true })
    await flushPromises()
    expect(appended()).toEqual([])
    await textarea.setValue('Short note')
    expect(wrapper.find('.notes__count').text()).toBe('10 / 4,000')
  })

  it('after the caller hangs up the note field is disabled and says why', async () => {
    const { wrapper, store } = await onCall()
    press('o')
    await flushPromises()
    press('3', wrapper.find('.chooser').element)
    await flushPromises()
    press('h')
    await flushPromises()
    press('2', wrapper.find('.chooser').element)
    await flushPromises()
    await wrapper.findAll('.hrt-confirm button').find((b) => b.text() === 'Place order')!.trigger('click')
    await flushPromises()
    expect(store.callOver).toBe(true)
    expect(wrapper.find('textarea').attributes('disabled')).toBeDefined()
    expect(wrapper.find('[data-testid="notes-closed"]').text()).toMatch(/hung up/)
  })

  it('the End-call dialog offers to save the note and end', async () => {
    const { wrapper, store } = await onCall()
    await wrapper.find('textarea').setValue('Denied; store with ID offered.')
    press('F10')
    await flushPromises()
    const dialog = wrapper.find('[aria-labelledby="end-title"]')
    expect(dialog.text()).toContain('Unsaved note')
    await dialog.findAll('button').find((b) => b.text() === 'Save the note and end')!.trigger('click')
    await flushPromises()
    expect(appended().map((e) => e.type)).toEqual(['note', 'end-call'])
    expect(appended()[0]).toMatchObject({ text: 'Denied; store with ID offered.' })
    expect(store.phase).toBe('report')
  })
})

describe('CallConsole caller pace', () => {
  it('types the caller at speaking pace by default, and keeps a chosen pace', async () => {
    localStorage.removeItem('pretext.callerPace')
    const { wrapper } = await onCall()
    const select = wrapper.find<HTMLSelectElement>('#caller-pace')
    expect(select.element.value).toBe('speaking')
    await select.setValue('instant')
    expect(localStorage.getItem('pretext.callerPace')).toBe('instant')
    wrapper.unmount()
    const again = await onCall()
    expect(again.wrapper.find<HTMLSelectElement>('#caller-pace').element.value).toBe('instant')
    // Instant: the opening line is there at once, no typing.
    expect(again.wrapper.find('.transcript').text()).toContain('Hi, my phone was just stolen at the gate')
    localStorage.removeItem('pretext.callerPace')
  })
})
