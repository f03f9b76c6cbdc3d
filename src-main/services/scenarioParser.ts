/// <reference types="electron-vite/node" />
// ^ declares the `?nodeWorker` import used for the bundled worker below.
import { fileURLToPath } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { DEFAULT_MAX_BYTES, checkScenarioSize, type ScenarioLoadResult, type ScenarioProblem } from '@core/scenario/loader'
import type { ParseMessage, ParseRequest } from './scenarioParser.worker'

/**
 * Parse an untrusted scenario file off the main thread (QUALITY.md: a file,
 * however hostile, yields a located error and nothing else). The worker's heap
 * is capped and it is terminated when parsing overruns, so a bomb kills the
 * worker, never the app; either way the caller gets a located problem.
 *
 * One worker per file: a file that wrecks its worker cannot affect the next.
 */
export type WorkerFactory = (options: WorkerOptions) => Worker

export interface ParseInWorkerOptions {
  /** Parse budget, counted from when the worker is ready (so its start-up is not charged to the file). */
  timeoutMs?: number
  /** V8 old-space cap for the worker; past it the worker dies with ERR_WORKER_OUT_OF_MEMORY. */
  maxOldGenerationSizeMb?: number
  /** How long the worker may take to start and load the parser. Generous: source mode compiles TypeScript. */
  startupTimeoutMs?: number
  /** Largest file accepted, checked here before the bytes are even copied to a worker. */
  maxBytes?: number
  /** Override how the worker is made (tests use this to run deliberately hostile workers). */
  createWorker?: WorkerFactory
}

export async function parseScenarioInWorker(
  input: Uint8Array | string,
  file: string,
  {
    timeoutMs = 2000,
    maxOldGenerationSizeMb = 64,
    startupTimeoutMs = 15_000,
    maxBytes = DEFAULT_MAX_BYTES,
    createWorker,
  }: ParseInWorkerOptions = {},
): Promise<ScenarioLoadResult> {
  const tooLarge = checkScenarioSize(input, file, maxBytes)
  if (tooLarge) return { ok: false, errors: [tooLarge] }

  const factory = createWorker ?? (await defaultWorkerFactory())
  const failure = (message: string, hint?: string): ScenarioLoadResult => {
    const problem: ScenarioProblem = { file, line: 1, col: 1, path: '', message }
    return { ok: false, errors: [hint === undefined ? problem : { ...problem, hint }] }
  }

  return new Promise<ScenarioLoadResult>((resolve) => {
    let worker: Worker
    try {
      worker = factory({ resourceLimits: { maxOldGenerationSizeMb } })
    } catch (error) {
      resolve(failure(`the scenario parser could not start (${describe(error)})`))
      return
    }
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (result: ScenarioLoadResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      worker.removeAllListeners('message')
      // terminate() stops even a busy loop; 'exit' and 'error' after this are expected and ignored.
      worker.terminate().catch(() => undefined)
      resolve(result)
    }

    timer = setTimeout(() => finish(failure(`the scenario parser did not start within ${seconds(startupTimeoutMs)}`)), startupTimeoutMs)
    let sent = false
    worker.on('message', (message: ParseMessage) => {
      if (message?.type === 'ready' && !sent) {
        sent = true
        clearTimeout(timer)
        timer = setTimeout(
          () => finish(failure(`parsing took longer than ${seconds(timeoutMs)}; the file may be hostile or far too large`)),
          timeoutMs,
        )
        const request: ParseRequest = { input, file, maxBytes }
        worker.postMessage(request)
      } else if (message?.type === 'result' && isResult(message.result)) {
        finish(message.result)
      } else {
        finish(failure('the scenario parser sent an unexpected reply'))
      }
    })
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        finish(failure(`parsing needed more than ${maxOldGenerationSizeMb} MB of memory; the file may be hostile or far too large`))
      } else {
        finish(failure(`the scenario parser failed (${describe(error)})`))
      }
    })
    worker.on('exit', (code) => finish(failure(`the scenario parser stopped unexpectedly (exit code ${code})`)))
  })
}

function isResult(value: unknown): value is ScenarioLoadResult {
  if (typeof value !== 'object' || value === null) return false
  const result = value as { ok?: unknown; scenario?: unknown; errors?: unknown }
  return result.ok === true ? typeof result.scenario === 'object' && result.scenario !== null : result.ok === false && Array.isArray(result.errors)
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!.slice(0, 200)
}

// ---------- where the worker code comes from ----------

// Running from TypeScript source (Vitest, tsx: the CLI, the preview bridge),
// this module's URL ends in .ts. Node cannot start a worker on a .ts file, so
// a tiny CommonJS bootstrap registers tsx's require hook inside the worker and
// loads the worker source with it. The entry is a variable, not a literal in
// `new URL('…', import.meta.url)`, so that Vite's asset handling leaves it alone.
const WORKER_SOURCE = './scenarioParser.worker.ts'
const SOURCE_BOOTSTRAP = `
const { createRequire } = require('node:module')
const { workerData } = require('node:worker_threads')
const load = createRequire(workerData.entry)
load('tsx/cjs')
load(workerData.entry)
`

function sourceWorkerFactory(options: WorkerOptions): Worker {
  const entry = fileURLToPath(new URL(WORKER_SOURCE, import.meta.url))
  return new Worker(SOURCE_BOOTSTRAP, { ...options, eval: true, workerData: { entry } })
}

async function defaultWorkerFactory(): Promise<WorkerFactory> {
  if (import.meta.url.endsWith('.ts')) return sourceWorkerFactory
  // Bundled by electron-vite (dev and build): `?nodeWorker` makes the worker its
  // own chunk next to this one and returns `(options) => new Worker(chunkUrl, options)`.
  // No entry in electron.vite.config.ts is needed. Under Vitest and tsx this
  // branch never runs.
  const bundled = await import('./scenarioParser.worker?nodeWorker')
  return bundled.default
}
