import type { ApiArgs, LiveCall, SessionInfo, SessionRecord } from '@core/api/contract'
import { ApiError } from '@core/api/contract'
import type { ConsoleView } from '@core/session/consoleView'
import type { AgentAction, SessionEvent } from '@core/session/events'
import { LiveCallState } from '@core/session/liveCall'
import type { ScenarioLibrary } from './library'
import type { SessionStore } from './sessionStore'
import type { SessionService } from './sessions'

export interface CallServiceOptions {
  store: SessionStore
  library: ScenarioLibrary
  sessions: SessionService
  /**
   * Main's own clock for `at`: milliseconds since the epoch that never run
   * backwards (the default follows `performance`, not the wall clock, so a
   * clock change mid-call cannot reorder decisions).
   */
  clock?: () => number
}

/** Epoch milliseconds from the monotonic clock. */
export const monotonicClock = (): number => performance.timeOrigin + performance.now()

/**
 * Main runs the call. The renderer sends the trainee's intent; this service
 * checks it against what the console offers at that moment, stamps the time,
 * appends it durably, advances the machine and answers with the console view.
 * The renderer never holds the scenario, the machine or the clock of a call.
 */
export class CallService {
  private readonly live = new Map<string, LiveCallState>()
  private readonly clock: () => number

  constructor(private readonly options: CallServiceOptions) {
    this.clock = options.clock ?? monotonicClock
  }

  async start(args: ApiArgs<'calls.start'>, trainee: string): Promise<LiveCall> {
    const session = await this.options.sessions.start(args, trainee)
    const state = this.stateFor(session, [])
    this.live.set(session.sessionId, state)
    return { session, view: state.view }
  }

  /**
   * One decision. Refused with ApiError('not-offered') when the console did not
   * offer it at `step`, and then nothing is stored; otherwise the event is on
   * disk before the call moves.
   */
  act(sessionId: string, step: number, action: AgentAction): ConsoleView {
    const state = this.running(sessionId)
    const prepared = state.prepare(step, action, this.clock())
    if ('refused' in prepared) throw new ApiError('not-offered', prepared.refused)
    this.options.store.appendEvent(sessionId, prepared.event)
    return state.commit(prepared.event)
  }

  view(sessionId: string): ConsoleView {
    return this.running(sessionId).view
  }

  /** Hang up (recording `end-call` unless the call is already over), then score: the report is the first time the answer key leaves main. */
  async end(sessionId: string): Promise<SessionRecord> {
    const info = this.options.store.getSession(sessionId).info
    if (info.status === 'finished') return this.options.sessions.get(sessionId)
    const state = this.running(sessionId)
    if (!state.over) this.act(sessionId, state.view.step, { type: 'end-call' })
    const record = await this.options.sessions.finish(sessionId)
    this.live.delete(sessionId)
    return record
  }

  /**
   * Take up an interrupted call from its last acknowledged decision. The
   * resume is recorded in the call's chain (the store), so a reviewer sees
   * where the call was cut and when it went on.
   */
  resume(sessionId: string): LiveCall {
    const stored = this.options.store.getSession(sessionId)
    if (stored.info.status === 'finished') throw new ApiError('conflict', 'This call has ended and been scored; it cannot be taken up again. Open its report instead.')
    if (stored.info.status === 'active') {
      // Already live (a second window, or a reload): go on with it as it is.
      const state = this.running(sessionId)
      return { session: stored.info, view: state.view }
    }
    const session = this.options.store.resumeSession(sessionId, Math.round(this.clock()))
    const state = this.stateFor(session, stored.events)
    this.live.set(sessionId, state)
    return { session, view: state.view }
  }

  /** The live call, rebuilt from the log when main has not run it since it started (a reload of the page). */
  private running(sessionId: string): LiveCallState {
    const known = this.live.get(sessionId)
    if (known) return known
    const stored = this.options.store.getSession(sessionId)
    if (stored.info.status === 'finished') throw new ApiError('conflict', 'This call has ended; nothing more can be done on it.')
    if (stored.info.status === 'interrupted')
      throw new ApiError('conflict', 'This call was interrupted. Resume it from the recent sessions to go on from the last saved decision.')
    const state = this.stateFor(stored.info, stored.events)
    this.live.set(sessionId, state)
    return state
  }

  private stateFor(session: SessionInfo, events: readonly SessionEvent[]): LiveCallState {
    const compiled = this.options.library.versionByHash(session.scenarioHash)
    return new LiveCallState(compiled, session.seed, session.mode, events)
  }
}
