import { mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import CallHeader from './CallHeader.vue'

const props = { title: 'Call', tier: 1, mode: 'practice' as const, startedAt: 0, stopped: false, saving: false, saveFailed: false, savedCount: 3, canEnd: true }

describe('CallHeader save state', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('shows "Saving…" only when a save takes long enough to notice', async () => {
    const wrapper = mount(CallHeader, { props })
    await wrapper.setProps({ saving: true })
    // A quick commit repaints nothing: the console is not slowed down by its own spinner.
    expect(wrapper.find('.save-state').text()).toContain('3 actions saved')
    await vi.advanceTimersByTimeAsync(200)
    expect(wrapper.find('.save-state').text()).toContain('Saving…')
    await wrapper.setProps({ saving: false, savedCount: 4 })
    expect(wrapper.find('.save-state').text()).toContain('4 actions saved')
  })

  it('a save that ends quickly never shows the spinner', async () => {
    const wrapper = mount(CallHeader, { props })
    await wrapper.setProps({ saving: true })
    await vi.advanceTimersByTimeAsync(20)
    await wrapper.setProps({ saving: false, savedCount: 4 })
    await vi.advanceTimersByTimeAsync(500)
    expect(wrapper.find('.save-state').text()).not.toContain('Saving')
  })
})
