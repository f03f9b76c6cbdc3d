import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import { ApiError } from '@core/api/methods'
import type { SessionInfo, SessionMode, SessionRecord } from '@core/api/contract'
import type { ConsoleView } from '@core/session/consoleView'
import type { AgentAction, SessionEvent } from '@core/session/events'
import { actionOf } from '@core/session/events'
import { api } from '../api'

/**
 * The call a trainee is on, as a thin client of main, which runs it.
 *
 * The console shows `view`, exactly what main answered last: the renderer
 * holds no scenario, no machine and no clock of the call. An action is an
 * intent sent with the step of the view it was chosen on; the console moves
 * only when main answers with the next view (after it stored the decision
 * durably), so a failed send leaves nothing to roll back and a retry is the
 * same intent again.
 */

export type CallPhase = 'idle' | 'starting' | 'in-call' | 'ending' | 'report'

/** What a call starts with. Main records it under the profile this window chose (profiles.select), never a name sent with it. */
export interface StartOptions {
  scenarioId: string
  mode: SessionMode
}

/** A message for people, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : 'Something went wrong.'
}

/** Compare two actions by content (key order does not matter). */
function sameAction(a: AgentAction, b: AgentAction): boolean {
  const norm = (x: AgentAction) =>
    JSON.stringify(
      Object.keys(x)
        .sort()
        .map((k) => [k, (x as unknown as Record<string, unknown>)[k]]),
    )
  return norm(a) === norm(b)
}

export const useCallSessionStore = defineStore('callSession', () => {
  const phase = ref<CallPhase>('idle')
  const info = ref<SessionInfo | null>(null)
  /** What main says the trainee may see now. */
  const view = shallowRef<ConsoleView | null>(null)
  /** The intent on its way to main (or whose send failed and awaits a retry), with the step it was chosen at. */
  const pending = shallowRef<{ action: AgentAction; step: number } | null>(null)
  const saving = ref(false)
  const saveError = ref<string | null>(null)
  /** Main refused the last intent (not on offer any more): said once, nothing stored. */
  const refusal = ref<string | null>(null)
  const startError = ref<string | null>(null)
  const finishError = ref<string | null>(null)
  const record = shallowRef<SessionRecord | null>(null)
  /** Local wall clock for the header timer only; main stamps the decisions. */
  const callStartedAt = ref<number | null>(null)
  const callEndedAt = ref<number | null>(null)
  const lastStart = ref<StartOptions | null>(null)

  const transcript = computed(() => view.value?.transcript ?? [])
  const choices = computed(() => view.value?.choices ?? [])
  const unlocked = computed(() => view.value?.account.authenticated ?? false)
  /** The caller hung up, or an ending was reached: only ending the call is on offer now. */
  const callOver = computed(() => view.value?.status === 'over')
  const busy = computed(() => saving.value || pending.value !== null || phase.value !== 'in-call')
  const report = computed(() => record.value?.report ?? null)
  const played = computed(() => record.value?.played ?? null)
  const mode = computed<SessionMode>(() => info.value?.mode ?? view.value?.mode ?? 'practice')
  const savedCount = computed(() => view.value?.step ?? 0)

  function clear(): void {
    info.value = null
    view.value = null
    pending.value = null
    saving.value = false
    saveError.value = null
    refusal.value = null
    startError.value = null
    finishError.value = null
    record.value = null
    callStartedAt.value = null
    callEndedAt.value = null
  }

  function enterCall(session: SessionInfo, first: ConsoleView): void {
    info.value = session
    view.value = markRaw(first)
    callStartedAt.value = Date.now()
    phase.value = 'in-call'
  }

  async function start(options: StartOptions): Promise<boolean> {
    // Remembered before the answer, so a start that failed can be tried again as it was.
    return open(() => api['calls.start'](options), { scenarioId: options.scenarioId, mode: options.mode })
  }

  /** Take up an interrupted call (from the picker's recent sessions) at its last acknowledged decision. */
  async function resume(sessionId: string): Promise<boolean> {
    return open(() => api['calls.resume']({ sessionId }))
  }

  /** Start or resume: one call at a time; on success the console opens on main's view, else the picker says why. */
  async function open(request: () => ReturnType<(typeof api)['calls.start']>, asked?: StartOptions): Promise<boolean> {
    if (phase.value === 'starting') return false
    clear()
    if (asked) lastStart.value = asked
    phase.value = 'starting'
    try {
      const live = await request()
      lastStart.value = { scenarioId: live.session.scenarioId, mode: live.session.mode }
      enterCall(live.session, live.view)
      return true
    } catch (error) {
      startError.value = describeError(error)
      phase.value = 'idle'
      return false
    }
  }

  /** After a lost answer: did main store this intent as the decision after `step`? */
  async function storedAlready(sessionId: string, sent: { action: AgentAction; step: number }): Promise<boolean> {
    try {
      const stored = await api['sessions.get']({ sessionId })
      const event: SessionEvent | undefined = stored.events.find((e) => e.seq === sent.step + 1)
      return event !== undefined && stored.events.length === sent.step + 1 && sameAction(actionOf(event), sent.action)
    } catch {
      return false
    }
  }

  async function send(sent: { action: AgentAction; step: number }): Promise<boolean> {
    const session = info.value
    if (!session) return false
    saving.value = true
    saveError.value = null
    try {
      try {
        view.value = markRaw(await api['calls.act']({ sessionId: session.sessionId, step: sent.step, action: sent.action }))
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'not-offered')) throw error
        // An earlier attempt may have been stored although its answer never arrived: then the call is one step on.
        if (await storedAlready(session.sessionId, sent)) {
          view.value = markRaw(await api['calls.view']({ sessionId: session.sessionId }))
        } else {
          // Not on offer (any more): nothing was stored. Show the console as main has it, and say why once.
          refusal.value = describeError(error)
          pending.value = null
          view.value = markRaw(await api['calls.view']({ sessionId: session.sessionId }))
          return false
        }
      }
      pending.value = null
      return true
    } catch (error) {
      saveError.value = describeError(error)
      return false
    } finally {
      saving.value = false
    }
  }

  /**
   * Take one action. Resolves true once main has stored it and the console has
   * moved; false when it was refused (another action in flight, not on offer)
   * or the send failed (then `saveError` says why and `retry` resends it).
   */
  async function act(action: AgentAction): Promise<boolean> {
    const current = view.value
    if (phase.value !== 'in-call' || pending.value !== null || !current) return false
    if (!current.actions.includes(action.type)) return false
    refusal.value = null
    const sent = { action, step: current.step }
    pending.value = sent
    return send(sent)
  }

  async function retry(): Promise<boolean> {
    const sent = pending.value
    if (!sent || saving.value) return false
    return send(sent)
  }

  /** Give up on the failed action; nothing of it was applied. */
  function discard(): void {
    if (saving.value) return
    pending.value = null
    saveError.value = null
  }

  /**
   * End the call: save the note first when one is given (the End-call dialog's
   * "save the note and end"), then main hangs up and scores.
   */
  async function endCall(note?: Extract<AgentAction, { type: 'note' }>): Promise<boolean> {
    if (phase.value !== 'in-call' || pending.value !== null) return false
    if (note && !callOver.value && !(await act(note))) return false
    return finish()
  }

  async function finish(): Promise<boolean> {
    const session = info.value
    if (!session) return false
    phase.value = 'ending'
    finishError.value = null
    try {
      record.value = markRaw(await api['calls.end']({ sessionId: session.sessionId }))
      callEndedAt.value = Date.now()
      phase.value = 'report'
      return true
    } catch (error) {
      finishError.value = describeError(error)
      phase.value = 'in-call'
      return false
    }
  }

  /** Open a finished session's report (from the picker's history). */
  async function openRecord(sessionId: string): Promise<boolean> {
    clear()
    phase.value = 'starting'
    try {
      const stored = await api['sessions.get']({ sessionId })
      if (!stored.report) throw new ApiError('conflict', 'This call has not ended, so it has no report yet.')
      info.value = stored.info
      record.value = markRaw(stored)
      lastStart.value = { scenarioId: stored.info.scenarioId, mode: stored.info.mode }
      phase.value = 'report'
      return true
    } catch (error) {
      startError.value = describeError(error)
      phase.value = 'idle'
      return false
    }
  }

  /** The transcript as main recorded it: replayed from the stored log, coaching included, after the call. */
  const reportTranscript = computed(() => played.value?.transcript ?? [])

  async function retryScenario(): Promise<boolean> {
    const last = lastStart.value
    if (!last) return false
    return start(last)
  }

  function leave(): void {
    clear()
    phase.value = 'idle'
  }

  return {
    phase,
    info,
    view,
    pending,
    saving,
    saveError,
    refusal,
    startError,
    finishError,
    record,
    callStartedAt,
    callEndedAt,
    lastStart,
    transcript,
    choices,
    unlocked,
    callOver,
    busy,
    report,
    played,
    mode,
    savedCount,
    reportTranscript,
    start,
    resume,
    act,
    retry,
    discard,
    endCall,
    finish,
    openRecord,
    retryScenario,
    leave,
  }
})
