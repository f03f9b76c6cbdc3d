import { parse as parseYaml } from 'yaml'
import { scenarioSummaryOf } from '@core/scenario/summary'
import { ApiError, API_METHOD_NAMES } from '@core/api/methods'
import { WORKBENCH_METHOD_NAMES, type WorkbenchMethod } from '@core/api/workbenchMethods'
import type { ApiArgs, ApiMethod, CallResume, LiveCall, PretextApi, SessionInfo, SessionRecord, SessionSummary } from '@core/api/contract'
import { compileScenario, replay } from '@core/engine/compile'
import { loadScenarioText } from '@core/scenario/loader'
import type { Scenario } from '@core/scenario/schema'
import { Rubric } from '@core/scoring/rubric'
import { scoreSession } from '@core/scoring/scorer'
import { LiveCallState } from '@core/session/liveCall'
import type { SessionEvent } from '@core/session/events'
import { createFakeReview, type FakeReview } from './fakeReview'
import airportText from '../../../../scenarios/library/airport-stolen-phone.yaml?raw'
import rubricText from '../../../../scenarios/rubric.yaml?raw'

/**
 * An in-memory stand-in for main's services, for the renderer's unit tests:
 * the real scenario file, the real engine, the same call rules main runs
 * (LiveCallState) and the real scorer, no storage. Tests can hold actions (to
 * see what the console does before main answers) and make them fail.
 */

export const rubric = Rubric.parse(parseYaml(rubricText))
export const airport: Scenario = loadScenarioText(airportText, 'airport-stolen-phone.yaml')

interface StoredSession {
  info: SessionInfo
  call: LiveCallState
  resumes: CallResume[]
}

export interface FakeBackend {
  api: PretextApi
  calls: Array<{ method: ApiMethod; args: unknown }>
  sessions: Map<string, StoredSession>
  /** The events stored for a session, as main would have them. */
  eventsOf(sessionId: string): readonly SessionEvent[]
  /** The next action rejects with this error (and stores nothing). */
  failNextAct(error: ApiError): void
  /** The next action is stored, then rejects as if the answer was lost. */
  loseNextAck(): void
  /** The app stopped mid-call: the session is interrupted, as main finds it after a restart. */
  interrupt(sessionId: string): void
  /** Actions wait until `release()` is called. */
  holdActs(): { release: () => void }
  problems: Array<{ file: string; errors: string[] }>
  extraSessions: SessionSummary[]
  /** The review methods' own state: review events, profiles, coaching assignments. */
  review: FakeReview
  /** Choose the trainee profile `name` (created if need be), as the picker does before a call. */
  pickProfile(name: string): void
  /** A call recorded under `trainee`, as if they started it on their own window: this window's role and profile stay as they are. */
  startAs(trainee: string, args: ApiArgs<'calls.start'>): Promise<LiveCall>
}

/** `rubric` replaces the library's rubric.yaml, e.g. to play with other policy numbers. */
export function createFakeBackend(scenarios: Scenario[] = [airport], options: { rubric?: Rubric } = {}): FakeBackend {
  const scoring = options.rubric ?? rubric
  const byId = new Map(scenarios.map((s) => [s.id, s]))
  const sessions = new Map<string, StoredSession>()
  const calls: FakeBackend['calls'] = []
  let nextFailure: ApiError | null = null
  let loseAck = false
  let gate: Promise<void> | null = null
  let counter = 0
  let clock = 1_700_000_000_000

  const getSession = (sessionId: string): StoredSession => {
    const s = sessions.get(sessionId)
    if (!s) throw new ApiError('not-found', `No session ${sessionId}`)
    return s
  }
  const scenarioOf = (id: string): Scenario => {
    const s = byId.get(id)
    if (!s) throw new ApiError('not-found', `No scenario '${id}' in the library.`)
    return s
  }
  const recordOf = (s: StoredSession): SessionRecord => {
    const events = [...s.call.events]
    const finished = s.info.status === 'finished'
    const scenario = scenarioOf(s.info.scenarioId)
    return {
      info: s.info,
      events,
      resumes: s.resumes,
      report: finished ? scoreSession(scenario, scoring, s.info.seed, events) : null,
      verification: { ok: true, sealed: finished, firstBadSeq: null, message: 'ok' },
      played: finished
        ? {
            scenario,
            policy: scoring.policy,
            goodPath: ['Ask for the account PIN', 'Deny the request'],
            transcript: replay(s.call.compiled, s.info.seed, events).context.transcript,
          }
        : null,
    }
  }
  const live = (sessionId: string): LiveCallState => {
    const s = getSession(sessionId)
    if (s.info.status !== 'active') throw new ApiError('conflict', 'This call has ended; nothing more can be done on it.')
    return s.call
  }

  const review = createFakeReview({
    rubric: scoring,
    now: () => (clock += 1000),
    sessions: () =>
      [...sessions.values()].map((s) => {
        const record = recordOf(s)
        return { info: s.info, compiled: s.call.compiled, events: s.call.events, report: record.report }
      }),
  })

  // The workbench is served by main's real services (src-main/services/workbench.test.ts and the e2e suite); here it refuses in words.
  const workbench = Object.fromEntries(
    WORKBENCH_METHOD_NAMES.map((m) => [
      m,
      async () => {
        throw new ApiError('internal', `${m} is not part of the fake backend.`)
      },
    ]),
  ) as unknown as Pick<PretextApi, WorkbenchMethod>

  function startCall({ scenarioId, mode }: ApiArgs<'calls.start'>, trainee: string): LiveCall {
    const scenario = scenarioOf(scenarioId)
    counter += 1
    const info: SessionInfo = {
      sessionId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
      scenarioId,
      scenarioHash: 'f'.repeat(64),
      engineVersion: 1,
      rubricVersion: scoring.version,
      mode,
      trainee,
      seed: 1234 + counter,
      startedAt: clock,
      endedAt: null,
      status: 'active',
    }
    const call = new LiveCallState(compileScenario(scenario, scoring.policy), info.seed, mode)
    sessions.set(info.sessionId, { info, call, resumes: [] })
    return { session: info, view: call.view }
  }

  const impl: PretextApi = {
    ...review.impl,
    ...workbench,
    'library.list': async () => scenarios.map((s) => scenarioSummaryOf(s)),
    'library.problems': async () => backend.problems,
    'library.get': async ({ scenarioId }) => scenarioSummaryOf(scenarioOf(scenarioId)),
    // Like main: the call is recorded under the chosen profile, never a name the page sends.
    'calls.start': async (args) => startCall(args, review.profileName()),
    'calls.act': async ({ sessionId, step, action }) => {
      if (gate) await gate
      if (nextFailure) {
        const error = nextFailure
        nextFailure = null
        throw error
      }
      const call = live(sessionId)
      const prepared = call.prepare(step, action, (clock += 2000))
      if ('refused' in prepared) throw new ApiError('not-offered', prepared.refused)
      const view = call.commit(prepared.event)
      if (loseAck) {
        loseAck = false
        throw new ApiError('internal', 'The answer was lost on the way back.')
      }
      return view
    },
    'calls.view': async ({ sessionId }) => live(sessionId).view,
    'calls.end': async ({ sessionId }) => {
      const s = getSession(sessionId)
      if (s.info.status === 'active') {
        const hangUp = s.call.over ? null : s.call.prepare(s.call.view.step, { type: 'end-call' }, (clock += 2000))
        if (hangUp && 'event' in hangUp) s.call.commit(hangUp.event)
        s.info = { ...s.info, status: 'finished', endedAt: clock }
      }
      return recordOf(s)
    },
    'calls.resume': async ({ sessionId }) => {
      const s = getSession(sessionId)
      if (s.info.status === 'finished') throw new ApiError('conflict', 'This call has ended and been scored; it cannot be taken up again.')
      if (s.info.status === 'interrupted') {
        const last = s.call.events.at(-1)
        s.resumes = [...s.resumes, { afterSeq: s.call.events.length, interruptedAt: last?.at ?? s.info.startedAt, resumedAt: (clock += 2000) }]
        s.info = { ...s.info, status: 'active' }
        // Main rebuilds the call from the stored log.
        s.call = new LiveCallState(s.call.compiled, s.info.seed, s.info.mode, s.call.events)
      }
      return { session: s.info, view: s.call.view }
    },
    'sessions.list': async () => [
      ...[...sessions.values()].map((s) => {
        const record = recordOf(s)
        return {
          ...s.info,
          scenarioTitle: scenarioOf(s.info.scenarioId).title,
          eventCount: s.call.events.length,
          score: record.report?.score ?? null,
          compliance: record.report?.compliance ?? null,
          verification: record.verification,
        }
      }),
      ...backend.extraSessions,
    ],
    'sessions.get': async ({ sessionId }) => recordOf(getSession(sessionId)),
  }

  const api = Object.fromEntries(
    API_METHOD_NAMES.map((m) => [
      m,
      (args: unknown) => {
        calls.push({ method: m, args })
        return (impl[m] as (a: unknown) => Promise<unknown>)(args)
      },
    ]),
  ) as unknown as PretextApi

  const backend: FakeBackend = {
    api,
    calls,
    sessions,
    problems: [],
    extraSessions: [],
    review,
    pickProfile: (name) => void review.pick(name),
    startAs: async (trainee, args) => startCall(args, trainee),
    eventsOf: (sessionId) => getSession(sessionId).call.events,
    interrupt(sessionId) {
      const s = getSession(sessionId)
      s.info = { ...s.info, status: 'interrupted' }
    },
    failNextAct(error) {
      nextFailure = error
    },
    loseNextAck() {
      loseAck = true
    },
    holdActs() {
      let release!: () => void
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = null
          resolve()
        }
      })
      return { release }
    },
  }
  return backend
}

/** What `../api` is replaced with in tests: forwards to whichever backend the test installed. */
let current: FakeBackend | null = null
export function installBackend(backend: FakeBackend): FakeBackend {
  current = backend
  return backend
}
export const delegatingApi = Object.fromEntries(
  API_METHOD_NAMES.map((m) => [
    m,
    (args: unknown) => {
      if (!current) throw new Error('no fake backend installed')
      return (current.api[m] as (a: unknown) => Promise<unknown>)(args)
    },
  ]),
) as unknown as PretextApi
