import { fileURLToPath } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * One warm `worker_threads` worker that serves requests one at a time, for
 * work main must not do on its own thread: parsing untrusted files, searching
 * a scenario's states. The worker's heap is capped and a request that
 * overruns its budget costs the worker, never the app. A worker that fails in
 * any way (timeout, heap cap, crash, odd reply) is discarded and the next
 * request gets a fresh one.
 *
 * The protocol, both directions structured-cloned: the worker posts
 * `{ type: 'ready' }` once its imports are done (so start-up is not charged to
 * a request), then one `{ type: 'result', result }` per request, in order.
 */
export type WorkerFactory = (options: WorkerOptions) => Worker

/** Worker to parent. */
export type WorkerMessage<Result> = { type: 'ready' } | { type: 'result'; result: Result }

/** How failures read: "the scenario parser failed (...)", "parsing took longer than 2 s; the file may be hostile...". */
export interface WorkerWording {
  /** The worker as a noun phrase: 'the scenario parser'. */
  name: string
  /** The work as a gerund: 'parsing'. */
  task: string
  /** What a timeout or the heap cap most likely means. */
  overrunHint: string
}

export interface WorkerLimits {
  /** Budget per request, counted from when the worker is ready (so its start-up is not charged to the request). */
  timeoutMs: number
  /** V8 old-space cap for the worker; past it the worker dies with ERR_WORKER_OUT_OF_MEMORY. */
  maxOldGenerationSizeMb: number
  /** How long the worker may take to start and load its code. Generous: source mode compiles TypeScript. */
  startupTimeoutMs: number
}

export interface WorkerThreadOptions<Result> extends WorkerLimits {
  wording: WorkerWording
  /** Where the worker comes from: the bundled chunk or, from source, the .ts file through tsx. */
  createWorker: () => Promise<WorkerFactory> | WorkerFactory
  /** A reply is believed only if it has the shape the caller expects. */
  isResult: (value: unknown) => value is Result
}

export type WorkerOutcome<Result> = { ok: true; result: Result } | { ok: false; message: string }

type Outcome<Result> = { kind: 'ready' } | { kind: 'result'; result: Result } | { kind: 'failed'; message: string }

/** One worker's life: its messages and its death, delivered to whoever waits next. */
class LiveWorker<Result> {
  private waiter: ((outcome: Outcome<Result>) => void) | null = null
  private early: Outcome<Result>[] = []
  dead = false

  constructor(
    readonly worker: Worker,
    options: WorkerThreadOptions<Result>,
  ) {
    const { wording } = options
    worker.on('message', (message: WorkerMessage<unknown>) => {
      if (message?.type === 'ready') this.deliver({ kind: 'ready' })
      else if (message?.type === 'result' && options.isResult(message.result)) this.deliver({ kind: 'result', result: message.result })
      else this.fail(`${wording.name} sent an unexpected reply`)
    })
    worker.on('error', (error: Error & { code?: string }) =>
      this.fail(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `${wording.task} needed more than ${options.maxOldGenerationSizeMb} MB of memory; ${wording.overrunHint}`
          : `${wording.name} failed (${describeError(error)})`,
      ),
    )
    worker.on('exit', (code) => this.fail(`${wording.name} stopped unexpectedly (exit code ${code})`))
  }

  private deliver(outcome: Outcome<Result>): void {
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
  next(ms: number, onTimeout: string): Promise<Outcome<Result>> {
    const queued = this.early.shift()
    if (queued) return Promise.resolve(queued)
    return new Promise<Outcome<Result>>((resolve) => {
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

export class WorkerThread<Request, Result> {
  private live: LiveWorker<Result> | null = null
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: WorkerThreadOptions<Result>) {}

  /** Serve one request; requests are served one at a time, in order. */
  run(request: Request): Promise<WorkerOutcome<Result>> {
    const next = this.queue.then(() => this.runNow(request))
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Stop the worker (a request in flight answers with a failure). The next request starts a fresh one. */
  close(): void {
    this.live?.kill()
    this.live = null
  }

  private async runNow(request: Request): Promise<WorkerOutcome<Result>> {
    const live = await this.ready()
    if ('message' in live) return { ok: false, message: live.message }
    live.worker.postMessage(request)
    const { wording, timeoutMs } = this.options
    const outcome = await live.next(timeoutMs, `${wording.task} took longer than ${seconds(timeoutMs)}; ${wording.overrunHint}`)
    if (outcome.kind === 'result') return { ok: true, result: outcome.result }
    if (this.live === live) this.close()
    else live.kill()
    return { ok: false, message: outcome.kind === 'failed' ? outcome.message : `${wording.name} sent an unexpected reply` }
  }

  /** A worker that has loaded its code, reusing the last one while it is healthy. */
  private async ready(): Promise<LiveWorker<Result> | { message: string }> {
    if (this.live && !this.live.dead) return this.live
    this.close()
    const { wording, startupTimeoutMs, maxOldGenerationSizeMb } = this.options
    let live: LiveWorker<Result>
    try {
      const factory = await this.options.createWorker()
      live = new LiveWorker(factory({ resourceLimits: { maxOldGenerationSizeMb } }), this.options)
    } catch (error) {
      return { message: `${wording.name} could not start (${describeError(error)})` }
    }
    const outcome = await live.next(startupTimeoutMs, `${wording.name} did not start within ${seconds(startupTimeoutMs)}`)
    if (outcome.kind === 'ready') {
      this.live = live
      return live
    }
    live.kill()
    return { message: outcome.kind === 'failed' ? outcome.message : `${wording.name} sent an unexpected reply` }
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!.slice(0, 200)
}

// ---------- where the worker code comes from ----------

// Running from TypeScript source (Vitest, tsx: the CLI, the preview bridge),
// a module's URL ends in .ts. Node cannot start a worker on a .ts file, so a
// tiny CommonJS bootstrap registers tsx's require hook inside the worker and
// loads the worker source with it. The bundled build never takes this path:
// each service imports its worker with electron-vite's `?nodeWorker`, which
// makes the worker a chunk of its own (see scenarioParser.ts).
const SOURCE_BOOTSTRAP = `
const { createRequire } = require('node:module')
const { workerData } = require('node:worker_threads')
const load = createRequire(workerData.entry)
load('tsx/cjs')
load(workerData.entry)
`

/** Is this module running from TypeScript source (not from the bundle)? */
export const runningFromSource = (moduleUrl: string) => moduleUrl.endsWith('.ts')

/**
 * A factory for a worker whose entry is a .ts file, for source mode. Worker
 * sources import the core by relative path, not @core: tsx's require hook
 * reads no path aliases.
 */
export function sourceWorkerFactory(entry: URL): WorkerFactory {
  const file = fileURLToPath(entry)
  return (options) => new Worker(SOURCE_BOOTSTRAP, { ...options, eval: true, workerData: { entry: file } })
}
