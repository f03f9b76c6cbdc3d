// The worker side of scenarioParser.ts: decode and load untrusted files, one
// request at a time, in a thread whose heap is capped and which the parent
// terminates on a timeout. Scenario files go through the scenario loader;
// other library YAML (golden transcripts) through parseUntrustedYaml, with
// the same limits.
// Relative import, not @core: in source mode this file runs under tsx's
// require hook, which reads no path aliases (the bundle resolves either way).
import { parentPort } from 'node:worker_threads'
import { Composer, LineCounter, Parser, visit } from 'yaml'
import {
  DEFAULT_MAX_DEPTH,
  ScenarioLoadError,
  decodeScenarioBytes,
  findTooDeep,
  tryLoadScenarioText,
  type ScenarioLoadResult,
  type ScenarioProblem,
} from '../../src-core/scenario/loader'
import type { WorkerMessage } from './workerThread'

export interface ParseRequest {
  input: Uint8Array | string
  file: string
  maxBytes?: number
  /** 'scenario' (the default): a Scenario. 'yaml': plain data, for golden transcripts. */
  kind?: 'scenario' | 'yaml'
}

export type YamlLoadResult = { ok: true; value: unknown } | { ok: false; errors: ScenarioProblem[] }

/** One reply, tagged with the kind of request it answers. */
export type ParseResult = { kind: 'scenario'; result: ScenarioLoadResult } | { kind: 'yaml'; result: YamlLoadResult }

/** Worker to parent. `ready` first (imports done, so startup is not charged to a parse), then one `result` per request. */
export type ParseMessage = WorkerMessage<ParseResult>

function decode(input: Uint8Array | string, file: string, maxBytes: number | undefined): string | ScenarioProblem[] {
  if (typeof input === 'string') return input
  try {
    return decodeScenarioBytes(input, file, maxBytes === undefined ? {} : { maxBytes })
  } catch (error) {
    if (error instanceof ScenarioLoadError) return error.errors
    throw error
  }
}

/** Tags whose meaning is plain data (as in the scenario loader); any other is refused. */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`))

function parseScenario({ input, file, maxBytes }: ParseRequest): ScenarioLoadResult {
  const text = decode(input, file, maxBytes)
  if (typeof text !== 'string') return { ok: false, errors: text }
  return tryLoadScenarioText(text, file, maxBytes === undefined ? {} : { maxBytes })
}

/**
 * YAML to plain data under the scenario loader's rules: one document, the
 * core schema, unique keys, nesting capped before composing (the composer
 * recurses), no aliases (billion laughs), no tags beyond plain data. Every
 * problem is located.
 */
export function parseUntrustedYaml(text: string, file: string): YamlLoadResult {
  const lineCounter = new LineCounter()
  const at = (offset: number, message: string): ScenarioProblem => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)))
    return { file, line, col, path: '', message }
  }
  try {
    const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text))
    const deep = findTooDeep(tokens, DEFAULT_MAX_DEPTH)
    if (deep !== null) return { ok: false, errors: [at(deep, `nesting is deeper than ${DEFAULT_MAX_DEPTH} levels`)] }
    const docs = Array.from(new Composer({ version: '1.2', schema: 'core', strict: true, uniqueKeys: true }).compose(tokens, true, text.length))
    const doc = docs[0]
    if (!doc) return { ok: false, errors: [at(0, 'the file is empty')] }
    const errors = [...doc.errors, ...doc.warnings].map((e) => at(e.pos[0], `YAML syntax: ${e.message.split('\n', 1)[0]}`))
    if (docs.length > 1) errors.push(at(docs[1]!.range[0], "the file holds more than one YAML document; remove the '---' separator and what follows"))
    visit(doc, {
      Alias(_key, node) {
        errors.push(at(node.range?.[0] ?? 0, 'YAML aliases (&/*) are not allowed in this file'))
        return visit.BREAK
      },
      Node(_key, node) {
        if (node.tag && !PLAIN_TAGS.has(node.tag)) errors.push(at(node.range?.[0] ?? 0, `the tag ${node.tag} is not allowed; write plain data`))
      },
    })
    if (errors.length) return { ok: false, errors }
    return { ok: true, value: doc.toJS({ maxAliasCount: 0 }) }
  } catch (error) {
    // A bug in a dependency must still come out as a located problem.
    return { ok: false, errors: [at(0, `could not read this file (${(error instanceof Error ? error.message : String(error)).slice(0, 200)})`)] }
  }
}

function parseYaml({ input, file, maxBytes }: ParseRequest): YamlLoadResult {
  const text = decode(input, file, maxBytes)
  if (typeof text !== 'string') return { ok: false, errors: text }
  return parseUntrustedYaml(text, file)
}

const port = parentPort
if (port) {
  port.on('message', (request: ParseRequest) => {
    const result: ParseResult = request.kind === 'yaml' ? { kind: 'yaml', result: parseYaml(request) } : { kind: 'scenario', result: parseScenario(request) }
    const message: ParseMessage = { type: 'result', result }
    port.postMessage(message)
  })
  port.postMessage({ type: 'ready' } satisfies ParseMessage)
}
