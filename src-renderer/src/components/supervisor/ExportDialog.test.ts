import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@core/api/contract'
import { createFakeBackend, installBackend, type FakeBackend } from '../../stores/testing/fakeBackend'
import ExportDialog from './ExportDialog.vue'

vi.mock('../../api', async () => ({ api: (await import('../../stores/testing/fakeBackend')).delegatingApi }))

let backend: FakeBackend
const mounted: VueWrapper[] = []

/** Main's side of a long CSV export: it answers when released, or refuses once stopped; meanwhile it reports progress. */
function slowExport() {
  const api = backend.api as unknown as Record<string, (args: unknown) => Promise<unknown>>
  let release!: () => void
  let stop!: (error: ApiError) => void
  const answer = new Promise<unknown>((resolve, reject) => {
    release = () => resolve({ file: '/exports/sessions.csv', bytes: 23_018_033, rows: 100_000 })
    stop = reject
  })
  let done = 0
  let active = true
  api['exports.sessionsCsv'] = () => answer.finally(() => (active = false))
  api['exports.progress'] = async () => (active ? { active: true, done: (done = Math.min(100_000, done + 20_000)), total: 100_000 } : { active: false, done: 0, total: 0 })
  const cancel = vi.fn(async () => {
    stop(new ApiError('conflict', 'The export was cancelled after 40,000 of 100,000 sessions. Nothing was written.'))
    return { cancelled: true }
  })
  api['exports.cancel'] = cancel
  return { release, cancel }
}

async function openDialog(): Promise<VueWrapper> {
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(ExportDialog, { props: { kind: 'sessions-csv', query: {}, defaultName: 'sessions.csv' }, global: { plugins: [pinia] }, attachTo: document.body })
  mounted.push(wrapper)
  await wrapper.find('#export-folder').setValue('/exports')
  await wrapper.find('form').trigger('submit')
  await vi.waitFor(() => expect(wrapper.find('[data-testid="export-progress"]').exists()).toBe(true))
  return wrapper
}

beforeEach(async () => {
  localStorage.clear()
  backend = installBackend(createFakeBackend())
  await backend.api['role.setPassphrase']({ passphrase: 'correct horse', name: 'Ada' })
})
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

describe('export dialog', () => {
  it('shows how many sessions main has checked and written while a long export runs, then the file', async () => {
    const { release } = slowExport()
    const wrapper = await openDialog()
    const bar = wrapper.find('progress#export-progress')
    expect(bar.attributes('max')).toBe('100000')
    expect(wrapper.find('label[for="export-progress"]').text()).toBe('Checking and writing sessions')
    expect(wrapper.find('[data-testid="export-progress"]').text()).toMatch(/[\d,]+ of 100,000$/)
    expect(wrapper.find('button[type="submit"]').text()).toBe('Saving…')
    expect(wrapper.find('button[type="submit"]').attributes('disabled')).toBeDefined()

    release()
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('[data-testid="export-done"]').text().replace(/\s+/g, ' ')).toBe('✓ Saved /exports/sessions.csv (100,000 rows).')
    })
    expect(wrapper.find('[data-testid="export-progress"]').exists()).toBe(false)
  })

  it('stops the export on request, and says nothing was written', async () => {
    const { cancel } = slowExport()
    const wrapper = await openDialog()
    const stop = wrapper.findAll('button').find((b) => b.text() === 'Stop the export')!
    await stop.trigger('click')
    await vi.waitFor(async () => {
      await flushPromises()
      expect(wrapper.find('[data-testid="export-error"]').text()).toBe('✕ Nothing was saved. The export was cancelled after 40,000 of 100,000 sessions. Nothing was written.')
    })
    expect(cancel).toHaveBeenCalledTimes(1)
    expect(wrapper.find('[data-testid="export-progress"]').exists()).toBe(false)
  })

  it('backing out of the dialog while an export runs stops it', async () => {
    const { cancel } = slowExport()
    const wrapper = await openDialog()
    await wrapper.find('.overlay').trigger('click')
    await flushPromises()
    expect(cancel).toHaveBeenCalledTimes(1)
    expect(wrapper.emitted('close')).toHaveLength(1)
  })
})
