/// <reference types="electron-vite/node" />
// ^ declares the `?nodeWorker` import used for the bundled worker below.
import { DEFAULT_MAX_BYTES, checkScenarioSize, type ScenarioLoadResult } from '@core/scenario/loader'
import type { ParseRequest, ParseResult, YamlLoadResult } from './scenarioParser.worker'
import { runningFromSource, sourceWorkerFactory, WorkerThread, type WorkerFactory } from './workerThread'

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
export type { WorkerFactory }

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

export class ScenarioParser {
  private readonly thread: WorkerThread<ParseRequest, ParseResult>
  private readonly maxBytes: number

  constructor(options: ParseInWorkerOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
    const { createWorker } = options
    this.thread = new WorkerThread({
      timeoutMs: options.timeoutMs ?? 2000,
      maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 64,
      startupTimeoutMs: options.startupTimeoutMs ?? 15_000,
      createWorker: createWorker ? () => createWorker : defaultWorkerFactory,
      isResult,
      wording: { name: 'the scenario parser', task: 'parsing', overrunHint: 'the file may be hostile or far too large' },
    })
  }

  /** Parse one file; calls are served one at a time, in order. */
  async parse(input: Uint8Array | string, file: string): Promise<ScenarioLoadResult> {
    const tooLarge = checkScenarioSize(input, file, this.maxBytes)
    if (tooLarge) return { ok: false, errors: [tooLarge] }
    const outcome = await this.thread.run({ input, file, maxBytes: this.maxBytes })
    if (outcome.ok && outcome.result.kind === 'scenario') return outcome.result.result
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: outcome.ok ? 'the scenario parser sent an unexpected reply' : outcome.message }] }
  }

  /**
   * Parse another library YAML file (a golden transcript) to plain data in the
   * same worker, under the same limits: size, nesting, no aliases or tags,
   * heap cap, timeout.
   */
  async parseYaml(input: Uint8Array | string, file: string): Promise<YamlLoadResult> {
    const tooLarge = checkScenarioSize(input, file, this.maxBytes)
    if (tooLarge) return { ok: false, errors: [{ ...tooLarge, hint: 'check that this is the right file' }] }
    const outcome = await this.thread.run({ input, file, maxBytes: this.maxBytes, kind: 'yaml' })
    if (outcome.ok && outcome.result.kind === 'yaml') return outcome.result.result
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: outcome.ok ? 'the scenario parser sent an unexpected reply' : outcome.message }] }
  }

  close(): void {
    this.thread.close()
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

function isResult(value: unknown): value is ParseResult {
  if (typeof value !== 'object' || value === null) return false
  const { kind, result } = value as { kind?: unknown; result?: unknown }
  if (typeof result !== 'object' || result === null) return false
  const r = result as { ok?: unknown; scenario?: unknown; errors?: unknown }
  if (r.ok === false) return (kind === 'scenario' || kind === 'yaml') && Array.isArray(r.errors)
  if (kind === 'yaml') return r.ok === true
  return kind === 'scenario' && r.ok === true && typeof r.scenario === 'object' && r.scenario !== null
}

// The entry is a variable, not a literal in `new URL('…', import.meta.url)`,
// so that Vite's asset handling leaves it alone.
const WORKER_SOURCE = './scenarioParser.worker.ts'

export async function defaultWorkerFactory(): Promise<WorkerFactory> {
  if (runningFromSource(import.meta.url)) return sourceWorkerFactory(new URL(WORKER_SOURCE, import.meta.url))
  // Bundled by electron-vite (dev and build): `?nodeWorker` makes the worker its
  // own chunk next to this one and returns `(options) => new Worker(chunkUrl, options)`.
  // No entry in electron.vite.config.ts is needed. Under Vitest and tsx this
  // branch never runs.
  const bundled = await import('./scenarioParser.worker?nodeWorker')
  return bundled.default
}
