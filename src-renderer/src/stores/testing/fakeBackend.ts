import { parse as parseYaml } from 'yaml'
import { scenarioSummaryOf } from '@core/scenario/summary'
import { ApiError, API_METHOD_NAMES } from '@core/api/methods'
import type { ApiMethod, PretextApi, SessionInfo, SessionRecord, SessionSummary } from '@core/api/contract'
import { loadScenarioText } from '@core/scenario/loader'
import type { Scenario } from '@core/scenario/schema'
import { Rubric } from '@core/scoring/rubric'
import { scoreSession } from '@core/scoring/scorer'
import { parseSessionEvent, type SessionEvent } from '@core/session/events'
import airportText from '../../../../scenarios/library/airport-stolen-phone.yaml?raw'
import rubricText from '../../../../scenarios/rubric.yaml?raw'

/**
 * An in-memory stand-in for main's services, for the renderer's unit tests:
 * the real scenario file, the real engine and scorer, no storage. Tests can
 * hold appends (to see what the console does before the ack) and make them
 * fail.
 */

export const rubric = Rubric.parse(parseYaml(rubricText))
export const airport: Scenario = loadScenarioText(airportText, 'airport-stolen-phone.yaml')

interface StoredSession {
  info: SessionInfo
  events: SessionEvent[]
}

export interface FakeBackend {
  api: PretextApi
  calls: Array<{ method: ApiMethod; args: unknown }>
  sessions: Map<string, StoredSession>
  /** The next append rejects with this error (and stores nothing). */
  failNextAppend(error: ApiError): void
  /** The next append stores the event, then rejects as if the answer was lost. */
  loseNextAck(): void
  /** Appends wait until `release()` is called. */
  holdAppends(): { release: () => void }
  problems: Array<{ file: string; errors: string[] }>
  extraSessions: SessionSummary[]
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
  const recordOf = (s: StoredSession): SessionRecord => ({
    info: s.info,
    events: s.events,
    report: s.info.status === 'finished' ? scoreSession(scenarioOf(s.info.scenarioId), scoring, s.info.seed, s.events) : null,
    verification: { ok: true, sealed: s.info.status === 'finished', firstBadSeq: null, message: 'ok' },
    played: { scenario: scenarioOf(s.info.scenarioId), policy: scoring.policy },
  })

  const impl: PretextApi = {
    'library.list': async () =>
      scenarios.map((s) => scenarioSummaryOf(s, `${s.id}.yaml`)),
    'library.problems': async () => backend.problems,
    'library.get': async ({ scenarioId }) => ({ scenario: scenarioOf(scenarioId), hash: 'f'.repeat(64), file: `${scenarioId}.yaml`, goodPath: ['Ask for the account PIN', 'Deny the request'], policy: scoring.policy }),
    'sessions.start': async ({ scenarioId, mode, trainee }) => {
      scenarioOf(scenarioId)
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
        startedAt: 1_700_000_000_000,
        endedAt: null,
        status: 'active',
      }
      sessions.set(info.sessionId, { info, events: [] })
      return info
    },
    'sessions.append': async ({ sessionId, event }) => {
      if (gate) await gate
      if (nextFailure) {
        const error = nextFailure
        nextFailure = null
        throw error
      }
      const s = getSession(sessionId)
      const parsed = parseSessionEvent(event)
      if (parsed.seq !== s.events.length + 1) throw new ApiError('conflict', `expected seq ${s.events.length + 1}, got ${parsed.seq}`)
      s.events.push(parsed)
      if (loseAck) {
        loseAck = false
        throw new ApiError('internal', 'The answer was lost on the way back.')
      }
      return { seq: parsed.seq, hash: 'a'.repeat(64) }
    },
    'sessions.finish': async ({ sessionId }) => {
      const s = getSession(sessionId)
      s.info = { ...s.info, status: 'finished', endedAt: s.info.startedAt + 60_000 }
      return recordOf(s)
    },
    'sessions.list': async () => [
      ...[...sessions.values()].map((s) => {
        const record = recordOf(s)
        return {
          ...s.info,
          scenarioTitle: scenarioOf(s.info.scenarioId).title,
          eventCount: s.events.length,
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
    failNextAppend(error) {
      nextFailure = error
    },
    loseNextAck() {
      loseAck = true
    },
    holdAppends() {
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
