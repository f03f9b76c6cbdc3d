import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'

/**
 * How fast the caller's lines are typed out. Speaking pace by default: a call
 * is heard at the caller's pace, and training should feel like one. A trainee
 * who reads faster may choose a brisker pace or none; the choice is kept on
 * this machine.
 */
export const PACES = [
  { id: 'speaking', label: 'Speaking pace (150 words a minute)', wordsPerMinute: 150 },
  { id: 'brisk', label: 'Brisk (300 words a minute)', wordsPerMinute: 300 },
  { id: 'instant', label: 'Instant (no typing)', wordsPerMinute: null },
] as const
export type PaceId = (typeof PACES)[number]['id']

/** An average English word and its space: how words a minute become characters a second. */
const CHARS_PER_WORD = 6
const PACE_KEY = 'pretext.callerPace'

function rememberedPace(): PaceId {
  try {
    const stored = globalThis.localStorage?.getItem(PACE_KEY)
    return PACES.some((p) => p.id === stored) ? (stored as PaceId) : 'speaking'
  } catch {
    return 'speaking'
  }
}

export const useSettingsStore = defineStore('settings', () => {
  const paceId = ref<PaceId>(rememberedPace())
  const pace = computed(() => PACES.find((p) => p.id === paceId.value) ?? PACES[0])
  /** Characters a second the caller is typed at; null for no typing at all. */
  const charsPerSecond = computed(() => (pace.value.wordsPerMinute === null ? null : (pace.value.wordsPerMinute * CHARS_PER_WORD) / 60))

  watch(paceId, (id) => {
    try {
      globalThis.localStorage?.setItem(PACE_KEY, id)
    } catch {
      // Storage may be unavailable (private mode); the pace is only a preference.
    }
  })

  return { paceId, pace, charsPerSecond }
})
