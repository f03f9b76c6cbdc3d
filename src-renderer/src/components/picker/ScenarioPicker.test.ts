import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { airport, createFakeBackend, installBackend, type FakeBackend } from '../../stores/testing/fakeBackend'
import { useCallSessionStore } from '../../stores/callSession'
import { useLibraryStore } from '../../stores/library'
import ScenarioPicker from './ScenarioPicker.vue'

vi.mock('../../api', async () => ({ api: (await import('../../stores/testing/fakeBackend')).delegatingApi }))

let backend: FakeBackend

const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

beforeEach(() => {
  backend = installBackend(createFakeBackend([airport, { ...airport, id: 'genuine-one', title: 'A genuine caller', caller: 'legitimate', tactics: [] }]))
  localStorage.clear()
})

/** The picker shows a trainee only their own sessions: pick Ana's profile, as she would. */
async function asAna(): Promise<void> {
  const ana = await backend.api['profiles.create']({ name: 'Ana' })
  await backend.api['profiles.select']({ profileId: ana.id })
}

async function picker() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(ScenarioPicker, { global: { plugins: [pinia] }, attachTo: document.body })
  mounted.push(wrapper)
  await flushPromises()
  return wrapper
}

describe('ScenarioPicker', () => {
  it('lists scenarios with title, tier and the trainee briefing, and never says fraud or legitimate', async () => {
    const wrapper = await picker()
    const cards = wrapper.findAll('.scenario-card')
    expect(cards).toHaveLength(2)
    const stolen = cards.find((c) => c.text().includes('Stolen phone at the gate'))!
    expect(stolen.text()).toContain('Tier 1')
    expect(stolen.text()).toContain(airport.briefing!)
    expect(stolen.text()).not.toContain(airport.summary)
    expect(wrapper.find('.picker__main').text()).not.toMatch(/fraud|legitimate|impostor/i)
  })

  it('shows library problems with file:line:col in an admin panel', async () => {
    backend.problems = [{ file: 'scenarios/library/broken.yaml', errors: ['scenarios/library/broken.yaml:4:7: tier must be 1, 2 or 3'] }]
    const wrapper = await picker()
    const admin = wrapper.find('details.admin')
    expect(admin.exists()).toBe(true)
    expect(admin.text()).toContain('broken.yaml:4:7: tier must be 1, 2 or 3')
  })

  it('shows interrupted sessions as Interrupted, not lost', async () => {
    const ana = await backend.api['profiles.create']({ name: 'Ana' })
    await backend.api['profiles.select']({ profileId: ana.id })
    const { session } = await backend.startAs('Ana', { scenarioId: 'airport-stolen-phone', mode: 'assessment' })
    const stored = backend.sessions.get(session.sessionId)!
    stored.info = { ...stored.info, status: 'interrupted' }
    const wrapper = await picker()
    const row = wrapper.find('.history__row--interrupted')
    expect(row.exists()).toBe(true)
    expect(row.text()).toContain('Interrupted')
    // Its decisions are kept: the row offers to go on with the call.
    expect(row.find('button[aria-label^="Resume the interrupted call"]').text()).toBe('Resume')
  })

  it('Resume takes the interrupted call up again at its last saved decision', async () => {
    await asAna()
    // A call taken earlier, cut short after two saved decisions (the app stopped).
    const { session } = await backend.startAs('Ana', { scenarioId: 'airport-stolen-phone', mode: 'assessment' })
    const id = session.sessionId
    await backend.api['calls.act']({ sessionId: id, step: 0, action: { type: 'ask-pin' } })
    await backend.api['calls.act']({ sessionId: id, step: 1, action: { type: 'check-account' } })
    backend.interrupt(id)
    const wrapper = await picker()
    await wrapper.find('.history__row--interrupted button.history__resume').trigger('click')
    await flushPromises()
    const store = useCallSessionStore()
    expect(store.phase).toBe('in-call')
    expect(store.info).toMatchObject({ sessionId: id, status: 'active', mode: 'assessment' })
    expect(store.savedCount).toBe(2)
    expect(store.transcript.some((l) => l.speaker === 'agent' && /PIN/.test(l.text))).toBe(true)
    expect(await store.act({ type: 'deny' })).toBe(true)
    expect(backend.eventsOf(id).map((e) => e.type)).toEqual(['ask-pin', 'check-account', 'deny'])
  })

  it('shows a session whose record fails its check as Tampered, with the reason, never as a score', async () => {
    const message = 'Tampered: the stored score (100, pass), report or end time is not what the call was sealed with.'
    await asAna()
    const { session } = await backend.startAs('Ana', { scenarioId: 'airport-stolen-phone', mode: 'assessment' })
    await backend.api['calls.end']({ sessionId: session.sessionId })
    // Main lists a row that fails its check with no figures and the reason.
    const query = backend.api['sessions.query']
    backend.api['sessions.query'] = async (args) => {
      const page = await query(args)
      return {
        ...page,
        rows: page.rows.map((r) => ({ ...r, score: null, scoreSource: null, autoScore: null, compliance: null, outcome: null, verification: { ok: false, sealed: false, message } })),
      }
    }
    const wrapper = await picker()
    const row = wrapper.find('.history__row--tampered')
    expect(row.exists()).toBe(true)
    expect(row.text()).toContain('Tampered')
    expect(row.text()).toContain(message.replace(/^Tampered: /, ''))
    expect(row.find('.verdict-mark').exists()).toBe(false)
    expect(row.find('.history__score').exists()).toBe(false)
  })

  it('shows a trainee only their own sessions, and their published reviews', async () => {
    const ana = await backend.api['profiles.create']({ name: 'Ana' })
    await backend.api['profiles.create']({ name: 'Ben' })
    for (const trainee of ['Ana', 'Ben']) {
      const { session } = await backend.startAs(trainee, { scenarioId: 'airport-stolen-phone', mode: 'assessment' })
      await backend.api['calls.end']({ sessionId: session.sessionId })
    }
    await backend.api['profiles.select']({ profileId: ana.id })
    const wrapper = await picker()
    const rows = wrapper.findAll('.history tbody tr')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.text()).toContain('Ana')
    expect(wrapper.find('.history').text()).not.toContain('Ben')
    expect(wrapper.find('#trainee-name').element).toHaveProperty('value', 'Ana')
  })

  it('asks for a name before starting, then starts the chosen scenario in the chosen mode', async () => {
    const wrapper = await picker()
    await wrapper.find('form').trigger('submit')
    expect(wrapper.find('[role="alert"]').text()).toContain('Enter your name')
    await wrapper.find('#trainee-name').setValue('Ana Ruiz')
    await wrapper.find('input[value="assessment"]').setValue(true)
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const store = useCallSessionStore()
    expect(store.phase).toBe('in-call')
    expect(store.info).toMatchObject({ trainee: 'Ana Ruiz', mode: 'assessment' })
  })

  it('a call still running in main (the page was reloaded mid-call) is taken up again with Resume too', async () => {
    await asAna()
    const { session } = await backend.startAs('Ana', { scenarioId: 'airport-stolen-phone', mode: 'practice' })
    await backend.api['calls.act']({ sessionId: session.sessionId, step: 0, action: { type: 'check-account' } })
    const wrapper = await picker()
    await wrapper.find('.history__row--active button.history__resume').trigger('click')
    await flushPromises()
    const store = useCallSessionStore()
    expect(store.phase).toBe('in-call')
    expect(store.savedCount).toBe(1)
  })

  it('starts from the first scenario on every visit, not from the one played last', async () => {
    const wrapper = await picker()
    const library = useLibraryStore()
    const [first, second] = library.scenarios.map((s) => s.id)
    library.selectedId = second!
    await library.load()
    expect(library.selectedId).toBe(first)
    await flushPromises()
    expect((wrapper.findAll<HTMLInputElement>('input[name="scenario"]')[0]!.element).checked).toBe(true)
  })

  it('arrow keys stop at the ends of the list instead of wrapping to another call', async () => {
    const wrapper = await picker()
    const library = useLibraryStore()
    const radios = wrapper.findAll<HTMLInputElement>('input[name="scenario"]')
    const press = (index: number, key: string) => {
      const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })
      radios[index]!.element.dispatchEvent(event)
      return event.defaultPrevented
    }
    expect(press(0, 'ArrowUp')).toBe(true)
    expect(press(0, 'ArrowDown')).toBe(false)
    library.selectedId = library.scenarios.at(-1)!.id
    await flushPromises()
    expect(press(radios.length - 1, 'ArrowDown')).toBe(true)
    expect(press(radios.length - 1, 'ArrowRight')).toBe(true)
    expect(press(radios.length - 1, 'ArrowUp')).toBe(false)
  })
})
