import { Worker, type WorkerOptions } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { MINIMAL_SCENARIO_YAML } from '@core/scenario/loader.fixtures'
import { ScenarioParser, defaultWorkerFactory, parseScenarioInWorker, type WorkerFactory } from './scenarioParser'

const FILE = 'scenarios/minimal-call.yaml'
const bytes = (text: string) => new TextEncoder().encode(text)

/** A worker made from inline code, with the limits the parser asks for; remembers the instance. */
function hostileWorker(code: string): { createWorker: WorkerFactory; exited: () => Promise<number>; made: () => Worker | null } {
  let worker: Worker | null = null
  let exitCode: Promise<number> | null = null
  return {
    createWorker: (options: WorkerOptions) => {
      worker = new Worker(code, { ...options, eval: true })
      exitCode = new Promise((resolve) => worker!.once('exit', resolve))
      return worker
    },
    exited: () => exitCode ?? Promise.reject(new Error('no worker was made')),
    made: () => worker,
  }
}

// Says it is ready like the real worker, then misbehaves when handed the file.
const READY = `const { parentPort } = require('node:worker_threads'); parentPort.postMessage({ type: 'ready' });`

describe('parseScenarioInWorker: the real worker', () => {
  it('loads a valid file from bytes', async () => {
    const result = await parseScenarioInWorker(bytes(MINIMAL_SCENARIO_YAML), FILE)
    expect(result.ok).toBe(true)
    if (result.ok) {
      expect(result.scenario.id).toBe('minimal-call')
      expect(Object.keys(result.scenario.beats)).toEqual(['greeting', 'goodbye'])
    }
  })

  it('returns located errors for a bad file', async () => {
    const result = await parseScenarioInWorker(bytes(MINIMAL_SCENARIO_YAML.replace('action: ask-pin', 'action: aks-pin')), FILE)
    expect(result).toEqual({
      ok: false,
      errors: [{ file: FILE, line: 28, col: 17, path: 'beats.greeting.on[0].action', message: "unknown action 'aks-pin'", hint: "did you mean 'ask-pin'?" }],
    })
  })

  it('returns a located error for bytes that are not UTF-8', async () => {
    const result = await parseScenarioInWorker(new Uint8Array([0x69, 0x64, 0x3a, 0x20, 0xff]), FILE)
    expect(result).toEqual({
      ok: false,
      errors: [{ file: FILE, line: 1, col: 5, path: '', message: 'the file contains byte 0xff, which is not valid UTF-8 here', hint: 'save the file as UTF-8' }],
    })
  })

  it('refuses an oversized file without starting a worker', async () => {
    const spy = hostileWorker(READY)
    const result = await parseScenarioInWorker(new Uint8Array(300 * 1024), FILE, { createWorker: spy.createWorker })
    expect(spy.made()).toBeNull()
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors[0]!.message).toBe('the file is too large (300 KiB; the limit is 256 KiB)')
  })

  it('terminates a parse that overruns its budget, and the next file still loads', async () => {
    // 200 KiB of legal YAML takes a few hundred ms; 20 ms is far too little.
    const slow = `${'k: v\n'.repeat(40_000)}`
    const started = performance.now()
    const result = await parseScenarioInWorker(slow, FILE, { timeoutMs: 20 })
    expect(result).toEqual({
      ok: false,
      errors: [{ file: FILE, line: 1, col: 1, path: '', message: 'parsing took longer than 0.02 s; the file may be hostile or far too large' }],
    })
    expect(performance.now() - started).toBeLessThan(10_000)
    expect((await parseScenarioInWorker(MINIMAL_SCENARIO_YAML, FILE)).ok).toBe(true)
  })
})

describe('parseScenarioInWorker: hostile workers die, the process does not', () => {
  it('a worker spinning forever is terminated by the timeout', async () => {
    const spin = hostileWorker(`${READY} parentPort.on('message', () => { for (;;) {} })`)
    const started = performance.now()
    const result = await parseScenarioInWorker(MINIMAL_SCENARIO_YAML, FILE, { timeoutMs: 300, createWorker: spin.createWorker })
    const elapsed = performance.now() - started
    expect(result).toEqual({
      ok: false,
      errors: [{ file: FILE, line: 1, col: 1, path: '', message: 'parsing took longer than 0.3 s; the file may be hostile or far too large' }],
    })
    expect(elapsed).toBeGreaterThanOrEqual(295)
    expect(elapsed).toBeLessThan(5_000)
    expect(await spin.exited()).toBe(1) // terminate() ends the thread with exit code 1
  })

  it('a worker that allocates without bound hits the heap cap and dies', async () => {
    const bomb = hostileWorker(`${READY} parentPort.on('message', () => { const hoard = []; for (;;) hoard.push(new Array(1e5).fill({ laugh: 'lol' })) })`)
    const heapBefore = process.memoryUsage().heapUsed
    const result = await parseScenarioInWorker(MINIMAL_SCENARIO_YAML, FILE, { timeoutMs: 20_000, maxOldGenerationSizeMb: 32, createWorker: bomb.createWorker })
    expect(result).toEqual({
      ok: false,
      errors: [{ file: FILE, line: 1, col: 1, path: '', message: 'parsing needed more than 32 MB of memory; the file may be hostile or far too large' }],
    })
    await bomb.exited()
    // The worker's heap was its own: the test process barely grew.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024)
  })

  it('a worker that throws is reported, located at the file', async () => {
    const crash = hostileWorker(`throw new Error('boom')`)
    const result = await parseScenarioInWorker(MINIMAL_SCENARIO_YAML, FILE, { createWorker: crash.createWorker })
    expect(result).toEqual({ ok: false, errors: [{ file: FILE, line: 1, col: 1, path: '', message: 'the scenario parser failed (boom)' }] })
  })

  it('a worker that exits without answering is reported', async () => {
    const quit = hostileWorker(`${READY} parentPort.on('message', () => process.exit(3))`)
    const result = await parseScenarioInWorker(MINIMAL_SCENARIO_YAML, FILE, { createWorker: quit.createWorker })
    expect(result).toEqual({ ok: false, errors: [{ file: FILE, line: 1, col: 1, path: '', message: 'the scenario parser stopped unexpectedly (exit code 3)' }] })
  })

  it('a worker that never gets ready is given up on', async () => {
    const stuck = hostileWorker(`setInterval(() => {}, 1000)`)
    const result = await parseScenarioInWorker(MINIMAL_SCENARIO_YAML, FILE, { startupTimeoutMs: 200, createWorker: stuck.createWorker })
    expect(result).toEqual({ ok: false, errors: [{ file: FILE, line: 1, col: 1, path: '', message: 'the scenario parser did not start within 0.2 s' }] })
    expect(await stuck.exited()).toBe(1)
  })

  it('a worker that answers with nonsense is not believed', async () => {
    const liar = hostileWorker(`${READY} parentPort.on('message', () => parentPort.postMessage({ type: 'result', result: { ok: true } }))`)
    const result = await parseScenarioInWorker(MINIMAL_SCENARIO_YAML, FILE, { createWorker: liar.createWorker })
    expect(result).toEqual({ ok: false, errors: [{ file: FILE, line: 1, col: 1, path: '', message: 'the scenario parser sent an unexpected reply' }] })
  })
})

describe('ScenarioParser: one warm worker for a run of files', () => {
  it('parses several files with one worker, and replaces it after a file that breaks it', async () => {
    const factory = await defaultWorkerFactory()
    let started = 0
    // The file below breaks its worker by memory, not by time: a heap cap fails the same way however loaded the machine is.
    const parser = new ScenarioParser({
      maxOldGenerationSizeMb: 16,
      createWorker: (options) => {
        started += 1
        return factory(options)
      },
    })
    try {
      expect((await parser.parse(MINIMAL_SCENARIO_YAML, FILE)).ok).toBe(true)
      expect((await parser.parse(MINIMAL_SCENARIO_YAML.replace('action: ask-pin', 'action: aks-pin'), FILE)).ok).toBe(false)
      expect((await parser.parse(MINIMAL_SCENARIO_YAML, FILE)).ok).toBe(true)
      expect(started).toBe(1)

      // A file that wrecks its worker costs that worker; the next file gets a fresh one and parses.
      // 24,000 distinct keys (229 KB, under the size limit) need far more than 16 MB to parse.
      const bomb = Array.from({ length: 24_000 }, (_, i) => `k${i}: v`).join('\n')
      const wrecked = await parser.parse(bomb, FILE)
      expect(wrecked.ok || wrecked.errors[0]!.message).toBe('parsing needed more than 16 MB of memory; the file may be hostile or far too large')
      expect(started).toBe(1)
      expect((await parser.parse(MINIMAL_SCENARIO_YAML, FILE)).ok).toBe(true)
      expect(started).toBe(2)
    } finally {
      parser.close()
    }
  })
})
