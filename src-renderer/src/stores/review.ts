import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { ReviewAction, ReviewRecord, ReviewStep } from '@core/api/contract'
import type { ConsoleView } from '@core/session/consoleView'
import { api } from '../api'
import { describeError } from './callSession'

/**
 * One session under review: the replay, step by step, and the review thread.
 *
 * Position 0 is the call as it connected; position k is decision k, shown on
 * the console as the trainee had it when making it (main's view after
 * decision k-1), with what the caller said next. Views come from main
 * (review.step replays the pinned scenario version) and are kept once fetched.
 */
export const useReviewStore = defineStore('review', () => {
  const record = shallowRef<ReviewRecord | null>(null)
  const position = ref(0)
  const views = shallowRef(new Map<number, ConsoleView>())
  const viewError = ref<string | null>(null)
  const openError = ref<string | null>(null)
  const actionError = ref<string | null>(null)
  const acting = ref(false)
  const loading = ref(false)
  /** Last thing a review action did, said once for screen readers ("Comment saved on step 3"). */
  const announcement = ref('')

  const steps = computed<ReviewStep[]>(() => record.value?.steps ?? [])
  const stepCount = computed(() => steps.value.length)
  /** The decision at the current position; null at 0 (the call connecting). */
  const step = computed<ReviewStep | null>(() => (position.value > 0 ? (steps.value[position.value - 1] ?? null) : null))
  /** The console the trainee had in front of them at this position. */
  const view = computed<ConsoleView | null>(() => views.value.get(Math.max(0, position.value - 1)) ?? null)
  const thread = computed(() => record.value?.thread ?? null)
  const firstTamperedSeq = computed(() => (record.value && !record.value.verification.ok ? record.value.verification.firstBadSeq : null))
  const commentsHere = computed(() => (thread.value?.comments ?? []).filter((c) => c.step === position.value))

  async function open(sessionId: string, options: { blind?: boolean } = {}): Promise<boolean> {
    loading.value = true
    openError.value = null
    actionError.value = null
    try {
      const opened = await api['review.open']({ sessionId, blind: options.blind ?? false })
      record.value = markRaw(opened)
      views.value = new Map()
      position.value = 0
      await loadView(0)
      return true
    } catch (e) {
      openError.value = describeError(e)
      return false
    } finally {
      loading.value = false
    }
  }

  async function loadView(at: number): Promise<void> {
    const current = record.value
    if (!current || views.value.has(at)) return
    viewError.value = null
    try {
      const answer = await api['review.step']({ sessionId: current.info.sessionId, step: at })
      if (record.value?.info.sessionId !== current.info.sessionId) return
      const next = new Map(views.value)
      next.set(at, markRaw(answer.view))
      views.value = next
    } catch (e) {
      viewError.value = describeError(e)
    }
  }

  async function goTo(next: number): Promise<void> {
    const clamped = Math.max(0, Math.min(stepCount.value, next))
    position.value = clamped
    await loadView(Math.max(0, clamped - 1))
  }

  async function act(action: ReviewAction, spoken: string): Promise<boolean> {
    const current = record.value
    if (!current || acting.value) return false
    acting.value = true
    actionError.value = null
    try {
      const updated = await api['review.act']({ sessionId: current.info.sessionId, action })
      // A blind grader keeps seeing nothing but their own grade: the answer's thread is not shown.
      record.value = current.blind
        ? markRaw({ ...current, blindGrade: action.type === 'blind-grade' ? action.items : current.blindGrade })
        : markRaw({ ...current, thread: updated })
      announcement.value = spoken
      return true
    } catch (e) {
      actionError.value = describeError(e)
      return false
    } finally {
      acting.value = false
    }
  }

  function close(): void {
    record.value = null
    views.value = new Map()
    position.value = 0
    openError.value = null
    actionError.value = null
  }

  return { record, position, views, viewError, openError, actionError, acting, loading, announcement, steps, stepCount, step, view, thread, firstTamperedSeq, commentsHere, open, loadView, goTo, act, close }
})
