import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import { ApiError } from '@core/api/methods'
import type { ScenarioDocument, SessionInfo, SessionMode, SessionRecord } from '@core/api/contract'
import { advance, compileScenario, replay, startCall } from '@core/engine/compile'
import type { CallSnapshot, CompiledScenario } from '@core/engine/compile'
import { DEFAULT_POLICY, type Policy } from '@core/engine/policy'
import { offeredPhrasings } from '@core/engine/phrasings'
import { realiseScenario } from '@core/engine/variation'
import { isConsoleUnlocked, isVerified } from '@core/engine/world'
import type { AgentAction, SessionEvent } from '@core/session/events'
import { api } from '../api'

/**
 * The call a trainee is on, from `sessions.start` to the authoritative report.
 *
 * Why the pure `advance` and not an XState actor: an action may change the
 * console only after main has acknowledged it durably. An actor moves the
 * moment it receives an event, so we would have to hold the event back anyway,
 * and then keep a second piece of mutable state in step with the log. With the
 * pure step the console is always `replay(scenario, seed, ackedEvents)`, which
 * is exactly what main replays to score; a failed append leaves nothing to roll
 * back, and a retry is just sending the same event again. It also lets the call
 * outlive the component that shows it (an actor from @xstate/vue is tied to a
 * component's lifetime).
 */

export type CallPhase = 'idle' | 'starting' | 'in-call' | 'ending' | 'report'

export interface StartOptions {
  scenarioId: string
  mode: SessionMode
  trainee: string
}

/** A message for people, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : 'Something went wrong.'
}

/** Compare two events by content (key order does not matter). */
function sameEvent(a: SessionEvent, b: SessionEvent): boolean {
  const norm = (e: SessionEvent) =>
    JSON.stringify(
      Object.keys(e)
        .sort()
        .map((k) => [k, (e as unknown as Record<string, unknown>)[k]]),
    )
  return norm(a) === norm(b)
}

export const useCallSessionStore = defineStore('callSession', () => {
  const phase = ref<CallPhase>('idle')
  const info = ref<SessionInfo | null>(null)
  const doc = shallowRef<ScenarioDocument | null>(null)
  const compiled = shallowRef<CompiledScenario | null>(null)
  const snapshot = shallowRef<CallSnapshot | null>(null)
  /** Events main has acknowledged, in order. The console is a function of these. */
  const events = ref<SessionEvent[]>([])
  /** The event on its way to main (or whose append failed and awaits a retry). */
  const pending = shallowRef<SessionEvent | null>(null)
  const saving = ref(false)
  const saveError = ref<string | null>(null)
  const startError = ref<string | null>(null)
  const finishError = ref<string | null>(null)
  const record = shallowRef<SessionRecord | null>(null)
  /** Local wall clock for the header timer only; never reaches the engine. */
  const callStartedAt = ref<number | null>(null)
  const callEndedAt = ref<number | null>(null)
  const lastStart = ref<StartOptions | null>(null)

  // The scenario as this session presents it: its variants picked by the session seed (src-core/engine/variation.ts).
  const scenario = computed(() => (doc.value ? (info.value ? realiseScenario(doc.value.scenario, info.value.seed) : doc.value.scenario) : null))
  const context = computed(() => snapshot.value?.context ?? null)
  const transcript = computed(() => context.value?.transcript ?? [])
  const unlocked = computed(() => (context.value ? isConsoleUnlocked(context.value) : false))
  const verified = computed(() => (context.value ? isVerified(context.value) : false))
  // Shuffled by the session seed (src-core/engine/phrasings.ts): the good phrasing is not always key 1.
  const choices = computed(() => (scenario.value && context.value ? offeredPhrasings(scenario.value, context.value.beat, context.value.seed) : []))
  /** The caller hung up, or an authored ending was reached: no action changes anything now. */
  const callOver = computed(() => snapshot.value !== null && snapshot.value.status !== 'active')
  const busy = computed(() => saving.value || pending.value !== null || phase.value !== 'in-call')
  const report = computed(() => record.value?.report ?? null)
  const mode = computed<SessionMode>(() => info.value?.mode ?? 'practice')
  /** The numbers main scores with (attempt limit, hold times): the console compiles and shows the same ones. */
  const policy = computed<Policy>(() => doc.value?.policy ?? DEFAULT_POLICY)

  function clear(): void {
    info.value = null
    doc.value = null
    compiled.value = null
    snapshot.value = null
    events.value = []
    pending.value = null
    saving.value = false
    saveError.value = null
    startError.value = null
    finishError.value = null
    record.value = null
    callStartedAt.value = null
    callEndedAt.value = null
  }

  async function start(options: StartOptions): Promise<boolean> {
    if (phase.value === 'starting') return false
    clear()
    lastStart.value = { ...options }
    phase.value = 'starting'
    try {
      // Load and compile first: a scenario that cannot be played must not leave a session behind.
      const loaded = await api['library.get']({ scenarioId: options.scenarioId })
      const machine = markRaw(compileScenario(loaded.scenario, loaded.policy))
      const session = await api['sessions.start'](options)
      doc.value = markRaw(loaded)
      compiled.value = machine
      info.value = session
      snapshot.value = startCall(machine, session.seed)
      callStartedAt.value = Date.now()
      phase.value = 'in-call'
      return true
    } catch (error) {
      startError.value = describeError(error)
      phase.value = 'idle'
      return false
    }
  }

  async function send(event: SessionEvent): Promise<boolean> {
    const session = info.value
    const machine = compiled.value
    if (!session || !machine) return false
    saving.value = true
    saveError.value = null
    try {
      try {
        await api['sessions.append']({ sessionId: session.sessionId, event })
      } catch (error) {
        // An earlier attempt may have been stored even though its answer never arrived.
        if (!(error instanceof ApiError && error.code === 'conflict') || !(await alreadyStored(session.sessionId, event))) throw error
      }
      events.value = [...events.value, event]
      snapshot.value = advance(machine, snapshot.value ?? startCall(machine, session.seed), event)
      pending.value = null
      return true
    } catch (error) {
      saveError.value = describeError(error)
      return false
    } finally {
      saving.value = false
    }
  }

  async function alreadyStored(sessionId: string, event: SessionEvent): Promise<boolean> {
    try {
      const stored = await api['sessions.get']({ sessionId })
      const same = stored.events.find((e) => e.seq === event.seq)
      return same !== undefined && sameEvent(same, event)
    } catch {
      return false
    }
  }

  /**
   * Take one action. Resolves true once main has stored it and the console has
   * moved; false when it was refused (another action in flight, no call) or
   * the append failed (then `saveError` says why and `retry` resends it).
   */
  async function act(action: AgentAction): Promise<boolean> {
    if (phase.value !== 'in-call' || pending.value !== null || callOver.value) return false
    const event = { ...action, seq: events.value.length + 1, at: Date.now() } as SessionEvent
    pending.value = event
    return send(event)
  }

  async function retry(): Promise<boolean> {
    const event = pending.value
    if (!event || saving.value) return false
    return send(event)
  }

  /** Give up on the failed action; nothing of it was applied. */
  function discard(): void {
    if (saving.value) return
    pending.value = null
    saveError.value = null
  }

  /** Hang up (recording `end-call` unless the caller already ended the call), then fetch main's report. */
  async function endCall(): Promise<boolean> {
    if (phase.value !== 'in-call' || pending.value !== null) return false
    if (!callOver.value) {
      const ok = await act({ type: 'end-call' })
      if (!ok) return false
    }
    callEndedAt.value = Date.now()
    return finish()
  }

  async function finish(): Promise<boolean> {
    const session = info.value
    if (!session) return false
    phase.value = 'ending'
    finishError.value = null
    try {
      record.value = markRaw(await api['sessions.finish']({ sessionId: session.sessionId }))
      phase.value = 'report'
      return true
    } catch (error) {
      finishError.value = describeError(error)
      phase.value = 'in-call'
      return false
    }
  }

  /** Open a stored session's report (from the picker's history). */
  async function openRecord(sessionId: string): Promise<boolean> {
    clear()
    phase.value = 'starting'
    try {
      const stored = await api['sessions.get']({ sessionId })
      const loaded = await api['library.get']({ scenarioId: stored.info.scenarioId })
      // Replay against the version the trainee played (the file may have changed since).
      const played = stored.played ?? { scenario: loaded.scenario, policy: loaded.policy }
      const machine = markRaw(compileScenario(played.scenario, played.policy))
      doc.value = markRaw(loaded)
      compiled.value = machine
      info.value = stored.info
      events.value = stored.events
      snapshot.value = replay(machine, stored.info.seed, stored.events)
      record.value = markRaw(stored)
      lastStart.value = { scenarioId: stored.info.scenarioId, mode: stored.info.mode, trainee: stored.info.trainee }
      phase.value = 'report'
      return true
    } catch (error) {
      startError.value = describeError(error)
      phase.value = 'idle'
      return false
    }
  }

  /** The transcript as main recorded it: replayed from the stored log, not from what the console happened to show. */
  const reportTranscript = computed(() => {
    const machine = compiled.value
    const stored = record.value
    if (!machine || !stored) return transcript.value
    return replay(machine, stored.info.seed, stored.events).context.transcript
  })

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
    doc,
    snapshot,
    events,
    pending,
    saving,
    saveError,
    startError,
    finishError,
    record,
    callStartedAt,
    callEndedAt,
    lastStart,
    scenario,
    context,
    transcript,
    unlocked,
    verified,
    choices,
    callOver,
    busy,
    report,
    mode,
    policy,
    reportTranscript,
    start,
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
