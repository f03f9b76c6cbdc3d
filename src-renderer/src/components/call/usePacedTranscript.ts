import { computed, onBeforeUnmount, ref, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue'
import type { ConsoleLine } from '@core/session/consoleView'
import { SPEAKER_NAMES } from './speakers'

/** Speaking pace: about 150 words a minute (the settings store offers others). */
export const SPEAKING_CHARS_PER_SECOND = 15

export interface PacingOptions {
  /** Characters per second a caller "speaks" at; null shows each line whole. Read on every tick, so a setting can change it mid-call. */
  charsPerSecond?: MaybeRefOrGetter<number | null>
  /** Pause before the caller starts to answer. */
  replyDelayMs?: number
}

type TranscriptLine = ConsoleLine

function prefersReducedMotion(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-reduced-motion: reduce)').matches
    : false
}

/**
 * Paces the transcript like a conversation: the trainee's own lines and system
 * events appear at once, caller lines are typed out at speaking pace. `finishTyping`
 * (Space or Enter on the console) shows everything now; with
 * prefers-reduced-motion there is no typing at all. Each line is announced
 * whole, once, through `announcement` (bound to an ARIA live region), so a
 * screen reader never hears the typing.
 */
export function usePacedTranscript(lines: Ref<readonly TranscriptLine[]>, options: PacingOptions = {}) {
  const cps = () => toValue(options.charsPerSecond ?? SPEAKING_CHARS_PER_SECOND)
  const replyDelay = options.replyDelayMs ?? 350
  /** Lines fully shown. */
  const shown = ref(0)
  /** Characters of line `shown` typed so far, while it is being typed. */
  const typed = ref(0)
  const typingStartedAt = ref<number | null>(null)
  const announcement = ref('')
  const reduced = ref(prefersReducedMotion())
  let timer: ReturnType<typeof setInterval> | null = null

  const media = typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-reduced-motion: reduce)') : null
  const onMedia = () => {
    reduced.value = prefersReducedMotion()
    if (reduced.value) finishTyping()
  }
  media?.addEventListener?.('change', onMedia)

  const typingLine = computed(() => (shown.value < lines.value.length ? lines.value[shown.value] ?? null : null))
  const isTyping = computed(() => typingLine.value !== null)
  /** The caller is "about to speak": waiting out the reply delay. */
  const waiting = computed(() => isTyping.value && typingStartedAt.value !== null && typed.value === 0)

  function announce(batch: readonly TranscriptLine[]): void {
    if (!batch.length) return
    announcement.value = batch.map((l) => `${SPEAKER_NAMES[l.speaker]}: ${l.text}`).join(' ')
  }

  function now(): number {
    return typeof performance !== 'undefined' ? performance.now() : Date.now()
  }

  /** Show every line that needs no pacing, and start typing the next caller line. */
  function step(): void {
    const all = lines.value
    const revealed: TranscriptLine[] = []
    while (shown.value < all.length) {
      const line = all[shown.value]!
      const speed = cps()
      if (line.speaker !== 'caller' || reduced.value || speed === null) {
        revealed.push(line)
        shown.value += 1
        continue
      }
      if (typingStartedAt.value === null) {
        typingStartedAt.value = now() + replyDelay
        typed.value = 0
        revealed.push(line)
      }
      const elapsed = now() - typingStartedAt.value
      typed.value = Math.max(0, Math.min(line.text.length, Math.floor((elapsed * speed) / 1000)))
      if (typed.value >= line.text.length) {
        shown.value += 1
        typingStartedAt.value = null
        typed.value = 0
        continue
      }
      break
    }
    announce(revealed)
    if (shown.value >= all.length) stopTimer()
    else startTimer()
  }

  function startTimer(): void {
    if (timer === null) timer = setInterval(step, 30)
  }
  function stopTimer(): void {
    if (timer !== null) clearInterval(timer)
    timer = null
  }

  /** Show everything now. */
  function finishTyping(): void {
    const all = lines.value
    const pendingLines = all.slice(shown.value).filter((l, i) => !(i === 0 && typingStartedAt.value !== null))
    shown.value = all.length
    typingStartedAt.value = null
    typed.value = 0
    stopTimer()
    announce(pendingLines)
  }

  watch(
    () => lines.value.length,
    (length) => {
      if (length < shown.value) {
        // A new call: start over.
        shown.value = 0
        typingStartedAt.value = null
        typed.value = 0
      }
      step()
    },
    { immediate: true },
  )

  onBeforeUnmount(() => {
    stopTimer()
    media?.removeEventListener?.('change', onMedia)
  })

  /** The text to show for line i: whole, partly typed, or nothing yet. */
  function visibleText(i: number): string | null {
    const line = lines.value[i]
    if (!line) return null
    if (i < shown.value) return line.text
    if (i === shown.value && typingStartedAt.value !== null) return line.text.slice(0, typed.value)
    return null
  }

  return { shown, typed, isTyping, waiting, announcement, finishTyping, visibleText, reduced }
}
