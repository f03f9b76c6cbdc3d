import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { CallerContext, ServiceApi } from '@core/api/contract'
import { ApiError } from '@core/api/contract'
import type { Rubric } from '@core/scoring/rubric'
import { CallService } from './calls'
import { ScenarioLibrary, type ParseScenario } from './library'
import { ReviewService } from './review'
import { ReviewStore } from './reviewStore'
import { loadRubric } from './rubric'
import { SessionStore } from './sessionStore'
import { SessionService } from './sessions'
import { SupervisorLock } from './supervisorLock'
import { WorkbenchService } from './workbench'

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
  /** Wall-clock time for review actions (default Date.now). */
  reviewClock?: () => number
  /** The desktop app's folder dialog for exports (Electron-aware, so passed in by index.ts). */
  chooseFolder?: (caller: CallerContext) => Promise<string | null>
  /** The desktop app's folder dialog for the workbench's "Add a folder of scenarios". */
  chooseScenarioFolder?: (caller: CallerContext) => Promise<string | null>
  /** The desktop app's PDF of the caller's window (webContents.printToPDF). */
  printPdf?: (caller: CallerContext) => Promise<Uint8Array>
}

export interface Services {
  api: ServiceApi
  calls: CallService
  store: SessionStore
  library: ScenarioLibrary
  review: ReviewService
  sessions: SessionService
  rubric: Rubric
  workbench: WorkbenchService
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

  const review = new ReviewService({
    store,
    reviews: new ReviewStore(store, options.reviewClock ?? Date.now),
    sessions,
    library,
    rubric,
    lock: new SupervisorLock({ file: join(options.dataDir, 'supervisor.json') }),
    ...(options.reviewClock ? { clock: options.reviewClock } : {}),
    ...(options.chooseFolder ? { chooseFolder: options.chooseFolder } : {}),
    ...(options.printPdf ? { printPdf: options.printPdf } : {}),
  })
  // Index what the last run left unindexed, then check every indexed row in the background.
  if (store.health.ok) void review.start().catch(() => undefined)
  const reviewApi = review.api()

  // The author's workbench: preview calls on a scratch store of their own; a saved library file is picked up without a restart.
  const workbench = new WorkbenchService({
    library,
    rubric,
    scratchDir: join(options.dataDir, 'workbench-preview'),
    isSupervisor: (caller) => review.isSupervisor(caller),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.chooseScenarioFolder ? { chooseFolder: options.chooseScenarioFolder } : {}),
  })
  library.watch()

  const api: ServiceApi = {
    ...reviewApi,
    ...workbench.api(),
    'library.list': async () => library.list(),
    'library.problems': async () => {
      const health = store.health
      const storage = health.ok ? [] : [{ file: store.path, errors: [health.message] }]
      return [...storage, ...library.problems()]
    },
    'library.get': async ({ scenarioId }) => library.get(scenarioId),
    // Roles are checked here, per connection (ReviewService holds them): a call is recorded under the
    // connection's chosen profile and only taken on from it; a trainee reads only their own sessions.
    'calls.start': async (args, caller) => {
      const live = await calls.start(args, review.profileName(caller))
      review.indexLater(live.session.sessionId)
      return live
    },
    'calls.act': async ({ sessionId, step, action }, caller) => {
      review.mayTakeCall(caller, store.traineeOf(sessionId))
      return calls.act(sessionId, step, action)
    },
    'calls.view': async ({ sessionId }, caller) => {
      review.mayTakeCall(caller, store.traineeOf(sessionId))
      return calls.view(sessionId)
    },
    'calls.end': async ({ sessionId }, caller) => {
      review.mayTakeCall(caller, store.traineeOf(sessionId))
      const record = await calls.end(sessionId)
      review.indexLater(sessionId)
      return record
    },
    'calls.resume': async ({ sessionId }, caller) => {
      review.mayTakeCall(caller, store.traineeOf(sessionId))
      return calls.resume(sessionId)
    },
    'sessions.list': async (filter, caller) => {
      const trainee = review.readableTrainee(caller, filter.trainee)
      return sessions.list({ ...filter, ...(trainee !== undefined ? { trainee } : {}) })
    },
    'sessions.get': async ({ sessionId }, caller) => {
      review.mayRead(caller, store.traineeOf(sessionId))
      return sessions.get(sessionId)
    },
  }

  return {
    api,
    calls,
    store,
    library,
    review,
    sessions,
    rubric,
    workbench,
    close: () => {
      workbench.close()
      library.close()
      store.close()
    },
  }
}

export { ApiError }
