import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ServiceApi } from '@core/api/contract'
import { ApiError, REVIEW_METHOD_NAMES } from '@core/api/contract'
import { CallService } from './calls'
import { ScenarioLibrary, type ParseScenario } from './library'
import { loadRubric } from './rubric'
import { SessionStore } from './sessionStore'
import { SessionService } from './sessions'

export interface ServicesOptions {
  /** Where the session database and pinned scenario versions live (Electron: app.getPath('userData')). */
  dataDir: string
  /** The folder with `library/` and `rubric.yaml`. */
  scenariosDir: string
  nativeBinding?: string
  /** Epoch milliseconds; calls stamp their events with it, so it must not run backwards (default: the monotonic clock). */
  clock?: () => number
  seed?: () => number
  parse?: ParseScenario
}

export interface Services {
  api: ServiceApi
  calls: CallService
  store: SessionStore
  library: ScenarioLibrary
  close(): void
}

/**
 * Builds every service main offers, once. Both transports (Electron IPC and the
 * loopback bridge) carry this same `api` object; neither adds behaviour.
 */
export async function createServices(options: ServicesOptions): Promise<Services> {
  mkdirSync(options.dataDir, { recursive: true })
  const rubric = loadRubric(join(options.scenariosDir, 'rubric.yaml'))
  const library = new ScenarioLibrary({
    dir: join(options.scenariosDir, 'library'),
    versionsDir: join(options.dataDir, 'scenario-versions'),
    rubric,
    ...(options.parse ? { parse: options.parse } : {}),
  })
  await library.load()
  const store = new SessionStore({
    path: join(options.dataDir, 'sessions.db'),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  })
  const sessions = new SessionService({
    store,
    library,
    rubric,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.seed ? { seed: options.seed } : {}),
  })
  const calls = new CallService({ store, library, sessions, ...(options.clock ? { clock: options.clock } : {}) })

  // Supervisor review (issue 9) is being built on branch issue-9-data: until
  // its services land, its methods refuse in words rather than pretend.
  const notYet = Object.fromEntries(
    REVIEW_METHOD_NAMES.map((m) => [
      m,
      async () => {
        throw new ApiError('internal', `${m}: supervisor review is not served by this build yet.`)
      },
    ]),
  ) as unknown as Pick<ServiceApi, (typeof REVIEW_METHOD_NAMES)[number]>

  const api: ServiceApi = {
    ...notYet,
    'library.list': async () => library.list(),
    'library.problems': async () => {
      const health = store.health
      const storage = health.ok ? [] : [{ file: store.path, errors: [health.message] }]
      return [...storage, ...library.problems()]
    },
    'library.get': async ({ scenarioId }) => library.get(scenarioId),
    'calls.start': (args) => calls.start(args),
    'calls.act': async ({ sessionId, step, action }) => calls.act(sessionId, step, action),
    'calls.view': async ({ sessionId }) => calls.view(sessionId),
    'calls.end': (args) => calls.end(args.sessionId),
    'sessions.list': async (filter) => sessions.list(filter),
    'sessions.get': async ({ sessionId }) => sessions.get(sessionId),
  }

  return {
    api,
    calls,
    store,
    library,
    close: () => {
      library.close()
      store.close()
    },
  }
}

export { ApiError }
