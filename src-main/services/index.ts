import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { PretextApi } from '@core/api/contract'
import { ApiError } from '@core/api/contract'
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
  clock?: () => number
  seed?: () => number
  parse?: ParseScenario
}

export interface Services {
  api: PretextApi
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

  const api: PretextApi = {
    'library.list': async () => library.list(),
    'library.problems': async () => {
      const health = store.health
      const storage = health.ok ? [] : [{ file: store.path, errors: [health.message] }]
      return [...storage, ...library.problems()]
    },
    'library.get': ({ scenarioId }) => library.get(scenarioId),
    'sessions.start': (args) => sessions.start(args),
    'sessions.append': async ({ sessionId, event }) => sessions.append(sessionId, event),
    'sessions.finish': async ({ sessionId }) => sessions.finish(sessionId),
    'sessions.list': async (filter) => sessions.list(filter),
    'sessions.get': async ({ sessionId }) => sessions.get(sessionId),
  }

  return {
    api,
    store,
    library,
    close: () => {
      library.close()
      store.close()
    },
  }
}

export { ApiError }
