import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import type { TranscriptLine } from '@core/engine/world'
import { usePacedTranscript } from './usePacedTranscript'

const line = (speaker: TranscriptLine['speaker'], text: string, seq = 0): TranscriptLine => ({ seq, speaker, text, tactics: [], beat: 'b' })

function harness(initial: TranscriptLine[]) {
  const lines = ref<TranscriptLine[]>(initial)
  let pacing!: ReturnType<typeof usePacedTranscript>
  const Comp = defineComponent({
    setup() {
      pacing = usePacedTranscript(lines, { charsPerSecond: 100, replyDelayMs: 100 })
      return () => h('div')
    },
  })
  const wrapper = mount(Comp)
  return { lines, pacing: () => pacing, wrapper }
}

function mockReducedMotion(matches: boolean) {
  vi.stubGlobal('matchMedia', (query: string) => ({
    matches: matches && query.includes('reduce'),
    media: query,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  }))
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('usePacedTranscript', () => {
  it('types a caller line out over time and announces it whole, once', async () => {
    vi.useFakeTimers()
    mockReducedMotion(false)
    const { pacing } = harness([line('caller', 'Hello there, I need help.')])
    const p = pacing()
    expect(p.isTyping.value).toBe(true)
    expect(p.announcement.value).toBe('Caller: Hello there, I need help.')
    expect(p.visibleText(0)).toBe('')
    vi.advanceTimersByTime(200)
    const partial = p.visibleText(0)!
    expect(partial.length).toBeGreaterThan(0)
    expect(partial.length).toBeLessThan(25)
    vi.advanceTimersByTime(1000)
    expect(p.visibleText(0)).toBe('Hello there, I need help.')
    expect(p.isTyping.value).toBe(false)
  })

  it('shows agent and system lines at once, and pauses only for the caller', async () => {
    vi.useFakeTimers()
    mockReducedMotion(false)
    const { lines, pacing } = harness([])
    lines.value = [line('agent', 'Can I have the PIN?', 1), line('caller', 'It is 1 2 3 4.', 1), line('system', 'PIN correct.', 1)]
    await nextTick()
    const p = pacing()
    expect(p.visibleText(0)).toBe('Can I have the PIN?')
    expect(p.visibleText(2)).toBeNull()
    vi.advanceTimersByTime(2000)
    expect(p.visibleText(1)).toBe('It is 1 2 3 4.')
    expect(p.visibleText(2)).toBe('PIN correct.')
  })

  it('skip shows everything and announces what had not been announced', async () => {
    vi.useFakeTimers()
    mockReducedMotion(false)
    const { lines, pacing } = harness([line('caller', 'First line that is long enough.')])
    lines.value = [...lines.value, line('system', 'Something happened.', 1)]
    await nextTick()
    const p = pacing()
    p.finishTyping()
    expect(p.isTyping.value).toBe(false)
    expect(p.visibleText(0)).toBe('First line that is long enough.')
    expect(p.visibleText(1)).toBe('Something happened.')
    expect(p.announcement.value).toBe('System: Something happened.')
  })

  it('does not type at all under prefers-reduced-motion', () => {
    mockReducedMotion(true)
    const { pacing } = harness([line('caller', 'Hello.'), line('system', 'Event.')])
    const p = pacing()
    expect(p.isTyping.value).toBe(false)
    expect(p.visibleText(0)).toBe('Hello.')
    expect(p.announcement.value).toBe('Caller: Hello. System: Event.')
  })
})
