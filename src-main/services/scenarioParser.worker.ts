// The worker side of scenarioParser.ts: decode and load scenario files, one
// request at a time, in a thread whose heap is capped and which the parent
// terminates on a timeout.
// Relative import, not @core: in source mode this file runs under tsx's
// require hook, which reads no path aliases (the bundle resolves either way).
import { parentPort } from 'node:worker_threads'
import { ScenarioLoadError, decodeScenarioBytes, tryLoadScenarioText, type ScenarioLoadResult } from '../../src-core/scenario/loader'
import type { WorkerMessage } from './workerThread'

export interface ParseRequest {
  input: Uint8Array | string
  file: string
  maxBytes?: number
}

/** Worker to parent. `ready` first (imports done, so startup is not charged to a parse), then one `result` per request. */
export type ParseMessage = WorkerMessage<ScenarioLoadResult>

function parse({ input, file, maxBytes }: ParseRequest): ScenarioLoadResult {
  const options = maxBytes === undefined ? {} : { maxBytes }
  let text: string
  if (typeof input === 'string') text = input
  else {
    try {
      text = decodeScenarioBytes(input, file, options)
    } catch (error) {
      if (error instanceof ScenarioLoadError) return { ok: false, errors: error.errors }
      throw error
    }
  }
  return tryLoadScenarioText(text, file, options)
}

const port = parentPort
if (!port) throw new Error('scenarioParser.worker runs only as a worker thread')
port.on('message', (request: ParseRequest) => {
  const message: ParseMessage = { type: 'result', result: parse(request) }
  port.postMessage(message)
})
port.postMessage({ type: 'ready' } satisfies ParseMessage)
