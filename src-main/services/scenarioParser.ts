/// <reference types="electron-vite/node" />
// ^ declares the `?nodeWorker` import used for the bundled worker below.
import { fileURLToPath } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { DEFAULT_MAX_BYTES, checkScenarioSize, type ScenarioLoadResult } from '@core/scenario/loader'
import type { ParseMessage, ParseRequest, YamlLoadResult } from './scenarioParser.worker'

/**
 * Parse untrusted scenario files off the main thread (QUALITY.md: a file,
 * however hostile, yields a located error and nothing else). The worker's heap
 * is capped and it is terminated when a parse overruns, so a bomb kills the
 * worker, never the app; either way the caller gets a located problem.
 *
 * A ScenarioParser keeps one warm worker for a run of files (a library load):
 * starting a worker costs far more than parsing a file. A worker that fails in
 * any way (timeout, heap cap, crash, odd reply) is discarded and the next file
 * gets a fresh one, so a file that wrecks its worker cannot affect the next.
 */
export type WorkerFactory = (options: WorkerOptions) => Worker

export interface ParseInWorkerOptions {
  /** Parse budget per file, counted from when the worker is ready (so its start-up is not charged to the file). */
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

type Outcome =
  | { kind: 'ready' }
  | { kind: 'result'; result: ScenarioLoadResult }
  | { kind: 'yaml'; result: YamlLoadResult }
  | { kind: 'failed'; message: string }

/** One worker's life: its messages and its death, delivered to whoever waits next. */
class LiveWorker {
  private waiter: ((outcome: Outcome) => void) | null = null
  private early: Outcome[] = []
  dead = false

  constructor(
    readonly worker: Worker,
    maxOldGenerationSizeMb: number,
  ) {
    worker.on('message', (message: ParseMessage) => {
      if (message?.type === 'ready') this.deliver({ kind: 'ready' })
      else if (message?.type === 'result' && isResult(message.result)) this.deliver({ kind: 'result', result: message.result })
      else if (message?.type === 'yaml' && isYamlResult(message.result)) this.deliver({ kind: 'yaml', result: message.result })
      else this.fail('the scenario parser sent an unexpected reply')
    })
    worker.on('error', (error: Error & { code?: string }) =>
      this.fail(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `parsing needed more than ${maxOldGenerationSizeMb} MB of memory; the file may be hostile or far too large`
          : `the scenario parser failed (${describe(error)})`,
      ),
    )
    worker.on('exit', (code) => this.fail(`the scenario parser stopped unexpectedly (exit code ${code})`))
  }

  private deliver(outcome: Outcome): void {
    const waiter = this.waiter
    this.waiter = null
    if (waiter) waiter(outcome)
    else this.early.push(outcome)
  }

  private fail(message: string): void {
    if (this.dead) return
    this.dead = true
    this.deliver({ kind: 'failed', message })
  }

  /** The next outcome, or a failure after `ms`. */
  next(ms: number, onTimeout: string): Promise<Outcome> {
    const queued = this.early.shift()
    if (queued) return Promise.resolve(queued)
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null
        this.dead = true
        resolve({ kind: 'failed', message: onTimeout })
      }, ms)
      this.waiter = (outcome) => {
        clearTimeout(timer)
        resolve(outcome)
      }
    })
  }

  kill(): void {
    this.dead = true
    this.worker.removeAllListeners('message')
    this.worker.terminate().catch(() => undefined)
  }
}

export class ScenarioParser {
  private live: LiveWorker | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private readonly timeoutMs: number
  private readonly maxOldGenerationSizeMb: number
  private readonly startupTimeoutMs: number
  private readonly maxBytes: number

  constructor(private readonly options: ParseInWorkerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2000
    this.maxOldGenerationSizeMb = options.maxOldGenerationSizeMb ?? 64
    this.startupTimeoutMs = options.startupTimeoutMs ?? 15_000
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  }

  /** Parse one scenario file; calls are served one at a time, in order. */
  parse(input: Uint8Array | string, file: string): Promise<ScenarioLoadResult> {
    return this.enqueue(() => this.parseNow(input, file, 'scenario') as Promise<ScenarioLoadResult>)
  }

  /**
   * Parse one other library YAML file (a golden transcript) to plain data,
   * with the same limits: size, nesting, no aliases or tags, heap cap, timeout.
   */
  parseYaml(input: Uint8Array | string, file: string): Promise<YamlLoadResult> {
    return this.enqueue(() => this.parseNow(input, file, 'yaml') as Promise<YamlLoadResult>)
  }

  close(): void {
    this.live?.kill()
    this.live = null
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async parseNow(input: Uint8Array | string, file: string, kind: 'scenario' | 'yaml'): Promise<ScenarioLoadResult | YamlLoadResult> {
    const tooLarge = checkScenarioSize(input, file, this.maxBytes)
    if (tooLarge) return { ok: false, errors: [kind === 'yaml' ? { ...tooLarge, hint: 'check that this is the right file' } : tooLarge] }
    const failure = (message: string): ScenarioLoadResult => ({ ok: false, errors: [{ file, line: 1, col: 1, path: '', message }] })

    const live = await this.ready()
    if ('message' in live) return failure(live.message)
    const request: ParseRequest = { input, file, maxBytes: this.maxBytes, kind }
    live.worker.postMessage(request)
    const outcome = await live.next(this.timeoutMs, `parsing took longer than ${seconds(this.timeoutMs)}; the file may be hostile or far too large`)
    if (outcome.kind === (kind === 'yaml' ? 'yaml' : 'result')) return (outcome as { result: ScenarioLoadResult | YamlLoadResult }).result
    this.discard()
    return failure(outcome.kind === 'failed' ? outcome.message : 'the scenario parser sent an unexpected reply')
  }

  /** A worker that has loaded the parser, reusing the last one while it is healthy. */
  private async ready(): Promise<LiveWorker | { message: string }> {
    if (this.live && !this.live.dead) return this.live
    this.discard()
    let live: LiveWorker
    try {
      const factory = this.options.createWorker ?? (await defaultWorkerFactory())
      live = new LiveWorker(factory({ resourceLimits: { maxOldGenerationSizeMb: this.maxOldGenerationSizeMb } }), this.maxOldGenerationSizeMb)
    } catch (error) {
      return { message: `the scenario parser could not start (${describe(error)})` }
    }
    const outcome = await live.next(this.startupTimeoutMs, `the scenario parser did not start within ${seconds(this.startupTimeoutMs)}`)
    if (outcome.kind === 'ready') {
      this.live = live
      return live
    }
    live.kill()
    return { message: outcome.kind === 'failed' ? outcome.message : 'the scenario parser sent an unexpected reply' }
  }

  private discard(): void {
    this.live?.kill()
    this.live = null
  }
}

/** Parse a single file in a worker of its own. */
export async function parseScenarioInWorker(input: Uint8Array | string, file: string, options: ParseInWorkerOptions = {}): Promise<ScenarioLoadResult> {
  const parser = new ScenarioParser(options)
  try {
    return await parser.parse(input, file)
  } finally {
    parser.close()
  }
}

function isResult(value: unknown): value is ScenarioLoadResult {
  if (typeof value !== 'object' || value === null) return false
  const result = value as { ok?: unknown; scenario?: unknown; errors?: unknown }
  return result.ok === true ? typeof result.scenario === 'object' && result.scenario !== null : result.ok === false && Array.isArray(result.errors)
}

function isYamlResult(value: unknown): value is YamlLoadResult {
  if (typeof value !== 'object' || value === null) return false
  const result = value as { ok?: unknown; errors?: unknown }
  return result.ok === true || (result.ok === false && Array.isArray(result.errors))
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

export async function defaultWorkerFactory(): Promise<WorkerFactory> {
  if (import.meta.url.endsWith('.ts')) return sourceWorkerFactory
  // Bundled by electron-vite (dev and build): `?nodeWorker` makes the worker its
  // own chunk next to this one and returns `(options) => new Worker(chunkUrl, options)`.
  // No entry in electron.vite.config.ts is needed. Under Vitest and tsx this
  // branch never runs.
  const bundled = await import('./scenarioParser.worker?nodeWorker')
  return bundled.default
}
