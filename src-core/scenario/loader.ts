import {
  Composer,
  Document,
  LineCounter,
  Parser,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type CST,
  type Node as YamlNode,
  type Pair,
} from 'yaml'
import { z } from 'zod'
import { Scenario, SCHEMA_VERSION } from './schema'

/**
 * The one way a scenario file becomes a `Scenario`.
 *
 * Scenario files are untrusted (QUALITY.md): whatever the text, the caller gets
 * either a validated scenario or a `ScenarioLoadError` whose problems each name
 * file:line:col, the offending path and what would be valid. Nothing in a file
 * is evaluated, no tag constructs anything, aliases are refused, keys never
 * touch a prototype, and size and nesting are capped before anything recursive
 * runs. This module is platform-free; the worker with the heap cap and timeout
 * lives in src-main/services/scenarioParser.ts.
 */

export interface ScenarioProblem {
  file: string
  /** 1-based. */
  line: number
  /** 1-based, in UTF-16 code units like an editor's column. */
  col: number
  /** Where in the scenario, e.g. "beats.greeting.on[2].action"; "" for the whole file. */
  path: string
  message: string
  /** What would be valid, e.g. "did you mean 'ask-pin'?" */
  hint?: string
}

export function formatProblem(problem: ScenarioProblem): string {
  const where = problem.path ? ` at ${problem.path}` : ''
  const hint = problem.hint ? `; ${problem.hint}` : ''
  return `${problem.file}:${problem.line}:${problem.col}: ${problem.message}${where}${hint}`
}

/** The loader's only error type. */
export class ScenarioLoadError extends Error {
  readonly errors: ScenarioProblem[]

  constructor(errors: ScenarioProblem[]) {
    super(errors.map(formatProblem).join('\n'))
    this.name = 'ScenarioLoadError'
    this.errors = errors
  }

  format(): string {
    return this.errors.map(formatProblem).join('\n')
  }
}

export type ScenarioLoadResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioProblem[] }

export interface LoadOptions {
  /** Largest file accepted, in UTF-8 bytes. The biggest hand-written scenario is a few KiB. */
  maxBytes?: number
  /** Deepest nesting of mappings and lists accepted. A scenario needs about 10. */
  maxDepth?: number
}

export const DEFAULT_MAX_BYTES = 256 * 1024
export const DEFAULT_MAX_DEPTH = 64
/** Past this many, the rest are summarised: a broken file should not produce a wall of text. */
const MAX_PROBLEMS = 100

/** Tags whose meaning is plain data; any other tag (`!!js/function`, `!!binary`, `!foo`) is refused. */
const CORE_TAG_PREFIX = 'tag:yaml.org,2002:'
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `${CORE_TAG_PREFIX}${t}`))

const ALIAS_MESSAGE = 'YAML aliases (&/*) are not allowed in scenario files'

export function loadScenarioText(text: string, file: string, options: LoadOptions = {}): Scenario {
  const result = tryLoadScenarioText(text, file, options)
  if (!result.ok) throw new ScenarioLoadError(result.errors)
  return result.scenario
}

export function tryLoadScenarioText(text: string, file: string, options: LoadOptions = {}): ScenarioLoadResult {
  try {
    return loadUnchecked(text, file, options)
  } catch (error) {
    // A bug in a dependency must still come out as a located problem, never as a crash.
    const detail = error instanceof Error ? error.message : String(error)
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: `could not read this file (${detail.slice(0, 200)})` }] }
  }
}

/** A size check the caller can run before handing the text to anyone. */
export function checkScenarioSize(input: string | Uint8Array, file: string, maxBytes = DEFAULT_MAX_BYTES): ScenarioProblem | null {
  // Every UTF-16 unit is at least one UTF-8 byte, so a long string is over without counting.
  const atLeast = typeof input !== 'string' || input.length > maxBytes
  const bytes = typeof input === 'string' && !atLeast ? utf8Length(input) : input.length
  if (bytes <= maxBytes) return null
  return {
    file,
    line: 1,
    col: 1,
    path: '',
    message: `the file is too large (${typeof input === 'string' && atLeast ? 'over ' : ''}${kib(bytes)}; the limit is ${kib(maxBytes)})`,
    hint: 'a scenario is a few KiB of text; check that this is the right file',
  }
}

// ---------- bytes ----------

// TextDecoder exists in Node, workers and browsers but is not in the ES2022
// lib, and src-core deliberately has neither DOM nor node types; declaring a
// global here would clash with @types/node wherever both are visible, so the
// loader reads it through a local type instead.
interface Utf8Decoder {
  decode(input: Uint8Array): string
}
type Utf8DecoderConstructor = new (label: 'utf-8', options?: { fatal?: boolean }) => Utf8Decoder
const TextDecoderImpl = (globalThis as unknown as { TextDecoder: Utf8DecoderConstructor }).TextDecoder

/**
 * Bytes from disk to text, refusing anything that is not UTF-8 with a located
 * error rather than silently replacing bytes. A UTF-8 byte-order mark is dropped.
 */
export function decodeScenarioBytes(bytes: Uint8Array, file: string, options: Pick<LoadOptions, 'maxBytes'> = {}): string {
  const tooLarge = checkScenarioSize(bytes, file, options.maxBytes)
  if (tooLarge) throw new ScenarioLoadError([tooLarge])
  try {
    return new TextDecoderImpl('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new ScenarioLoadError([invalidUtf8Problem(bytes, file)])
  }
}

function invalidUtf8Problem(bytes: Uint8Array, file: string): ScenarioProblem {
  const offset = firstInvalidUtf8(bytes)
  const at = Math.max(offset, 0)
  let line = 1
  let lineStart = 0
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  const col = new TextDecoderImpl('utf-8').decode(bytes.subarray(lineStart, at)).length + 1
  const byte = bytes[at]
  const what = offset < 0 || byte === undefined ? 'bytes that are not UTF-8' : `byte 0x${byte.toString(16).padStart(2, '0')}, which is not valid UTF-8 here`
  return { file, line, col, path: '', message: `the file contains ${what}`, hint: 'save the file as UTF-8' }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    let follow: number
    let lo = 0x80
    let hi = 0xbf
    if (b >= 0xc2 && b <= 0xdf) follow = 1
    else if (b >= 0xe0 && b <= 0xef) {
      follow = 2
      if (b === 0xe0) lo = 0xa0
      if (b === 0xed) hi = 0x9f // no UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      follow = 3
      if (b === 0xf0) lo = 0x90
      if (b === 0xf4) hi = 0x8f // nothing above U+10FFFF
    } else return i
    if (i + follow >= bytes.length) return i
    const second = bytes[i + 1]!
    if (second < lo || second > hi) return i
    for (let k = 2; k <= follow; k++) {
      const next = bytes[i + k]!
      if (next < 0x80 || next > 0xbf) return i
    }
    i += follow + 1
  }
  return -1
}

function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1)
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${Math.round(bytes / 1024)} KiB`
}

// ---------- text to scenario ----------

function loadUnchecked(text: string, file: string, options: LoadOptions): ScenarioLoadResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const tooLarge = checkScenarioSize(text, file, maxBytes)
  if (tooLarge) return { ok: false, errors: [tooLarge] }

  const lineCounter = new LineCounter()
  const at = (offset: number, path: string, message: string, hint?: string): ScenarioProblem => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)))
    return hint === undefined ? { file, line, col, path, message } : { file, line, col, path, message, hint }
  }

  // yaml's lexer and parser are iterative, but its composer recurses once per
  // level and a stack overflow deep inside it can take V8 down with a fatal
  // error rather than a catchable RangeError (seen with 5,000 nested '['). So
  // the nesting is measured on the concrete syntax tree before composing.
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text))
  const tooDeep = findTooDeep(tokens, maxDepth)
  if (tooDeep !== null) {
    return {
      ok: false,
      errors: [at(tooDeep, '', `nesting is deeper than ${maxDepth} levels`, 'a scenario needs about ten; check for runaway brackets or indentation')],
    }
  }

  // This is parseDocument() split in two so the depth check sits between
  // parsing and composing. prettyErrors is left out on purpose: it appends a
  // multi-line excerpt to each message, and problems here are one line each,
  // located through the same LineCounter it would use. maxAliasCount is a
  // toJS() option and toJS() is never called: aliases are refused outright
  // below, so nothing is ever expanded (billion laughs).
  const composer = new Composer({
    version: '1.2',
    schema: 'core', // no timestamps, no merge keys, no yes/no booleans
    strict: true,
    uniqueKeys: true,
  })
  const docs = Array.from(composer.compose(tokens, true, text.length))
  const doc = docs[0]
  const nothing = !doc || doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && !doc.contents.tag)
  if (!doc || (nothing && doc.errors.length === 0 && docs.length === 1)) {
    return { ok: false, errors: [at(0, '', 'the file is empty', `a scenario starts with "schemaVersion: ${SCHEMA_VERSION}"`)] }
  }

  const problems: ScenarioProblem[] = []
  let blocking = false
  for (const error of doc.errors) {
    blocking = true
    problems.push(at(error.pos[0], '', yamlErrorMessage(error.code, error.message, text, error.pos)))
  }
  for (const warning of doc.warnings) {
    if (warning.code === 'TAG_RESOLVE_FAILED') continue // reported by the tag check with the tag's name
    blocking = true
    problems.push(at(warning.pos[0], '', yamlErrorMessage(warning.code, warning.message, text, warning.pos)))
  }
  if (docs.length > 1) {
    blocking = true
    const second = docs[1]!
    problems.push(at(second.range[0], '', 'a scenario file holds one YAML document', "remove the '---' separator and what follows, or move it to its own file"))
  }

  const walk: Walk = { text, problems, blocking: false, aliases: { first: null, count: 0 }, at }
  const value = toPlain(doc.contents, [], 0, maxDepth, walk)
  blocking ||= walk.blocking

  if (!blocking) {
    const parsed = Scenario.safeParse(value)
    if (parsed.success && problems.length === 0) return { ok: true, scenario: parsed.data }
    if (!parsed.success) {
      const context: IssueContext = { root: doc.contents, at }
      for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, [], context))
    }
  }
  return { ok: false, errors: tidy(problems, file) }
}

/** Offset of the first collection nested deeper than `maxDepth`, or null. Iterative on purpose. */
export function findTooDeep(tokens: CST.Token[], maxDepth: number): number | null {
  const stack: Array<[CST.Token, number]> = []
  for (const token of tokens) if (token.type === 'document' && token.value) stack.push([token.value, 0])
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue
    if (depth >= maxDepth) return token.offset
    for (const item of token.items) {
      if (item.key) stack.push([item.key, depth + 1])
      if (item.value) stack.push([item.value, depth + 1])
    }
  }
  return null
}

function yamlErrorMessage(code: string, message: string, text: string, pos: [number, number]): string {
  if (code === 'DUPLICATE_KEY') {
    // yaml points at the key's first character; the key runs to its ':'.
    const rest = text.slice(pos[0], pos[0] + 200).split('\n', 1)[0] ?? ''
    const key = (rest.split(/:(?:\s|$)/, 1)[0] ?? '').trim().slice(0, 60)
    return key ? `duplicate key '${key}'; each key may appear only once in a mapping` : 'duplicate key; each key may appear only once in a mapping'
  }
  const firstLine = message.split('\n', 1)[0] ?? message
  return `YAML syntax: ${firstLine.slice(0, 300)}`
}

interface Walk {
  text: string
  problems: ScenarioProblem[]
  blocking: boolean
  aliases: { first: ScenarioProblem | null; count: number }
  at: (offset: number, path: string, message: string, hint?: string) => ScenarioProblem
}

/**
 * The YAML tree as plain data. Every key is defined as an own property, so
 * `__proto__` is just a (refused) key and never a prototype; tags and aliases
 * are reported, never resolved into anything but plain values.
 */
function toPlain(node: unknown, path: Array<string | number>, depth: number, maxDepth: number, walk: Walk): unknown {
  if (node === null || node === undefined) return null
  if (depth > maxDepth) {
    // Unreachable after findTooDeep; kept so this recursion is bounded on its own.
    walk.blocking = true
    walk.problems.push(walk.at(0, formatPath(path), `nesting is deeper than ${maxDepth} levels`))
    return null
  }
  if (isAlias(node)) {
    noteAlias(walk, () => walk.at(node.range?.[0] ?? 0, formatPath(path), ALIAS_MESSAGE, 'write the value out in full'))
    return null
  }
  const yamlNode = node as YamlNode
  const offset = yamlNode.range?.[0] ?? 0
  if (yamlNode.anchor) {
    const anchor = yamlNode.anchor
    const where = propOffset(walk.text, offset, [`&${anchor}`])
    noteAlias(walk, () => walk.at(where, formatPath(path), ALIAS_MESSAGE, `remove the anchor '&${truncate(anchor, 40)}' and write values out in full`))
  }
  if (yamlNode.tag && !PLAIN_TAGS.has(yamlNode.tag)) {
    walk.blocking = true
    const tag = yamlNode.tag
    const shown = tag.startsWith(CORE_TAG_PREFIX) ? `!!${tag.slice(CORE_TAG_PREFIX.length)}` : tag
    const where = propOffset(walk.text, offset, [shown, `!<${tag}>`])
    walk.problems.push(walk.at(where, formatPath(path), `YAML tag '${truncate(shown, 80)}' is not allowed in scenario files`, 'remove the tag; scenario values are plain text, numbers, true/false, lists and mappings'))
  }
  if (isScalar(node)) {
    const v = node.value
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : null
  }
  if (isSeq(node)) {
    return node.items.map((item, i) => toPlain(item, [...path, i], depth + 1, maxDepth, walk))
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {}
    for (const pair of node.items as Array<Pair<unknown, unknown>>) {
      const key = keyText(pair.key)
      if (key === null) {
        walk.blocking = true
        const keyOffset = (pair.key as YamlNode | null)?.range?.[0] ?? offset
        walk.problems.push(walk.at(keyOffset, formatPath(path), 'keys must be plain words such as "title", not lists, mappings or empty'))
        continue
      }
      if (key === '__proto__') {
        // zod's records skip this key silently, so say it here for every mapping.
        walk.problems.push(unknownKeyProblem(walk, (pair.key as YamlNode).range?.[0] ?? offset, [...path, key], key))
      }
      Object.defineProperty(out, key, {
        value: toPlain(pair.value, [...path, key], depth + 1, maxDepth, walk),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return null
}

/**
 * Where an anchor or tag written before a value starts. The composed node's
 * range begins at the value, after its properties, and the properties can only
 * sit between the previous token and the value, so the nearest match wins.
 */
function propOffset(text: string, valueOffset: number, forms: string[]): number {
  let best = -1
  for (const form of forms) {
    const found = text.lastIndexOf(form, valueOffset - 1)
    if (found > best && valueOffset - found < 4096) best = found
  }
  return best >= 0 ? best : valueOffset
}

/** Aliases are reported once, at the first, with a count: a billion-laughs file should not print a page. */
function noteAlias(walk: Walk, problem: () => ScenarioProblem): void {
  walk.blocking = true
  walk.aliases.count++
  if (walk.aliases.first === null) {
    walk.aliases.first = problem()
    walk.problems.push(walk.aliases.first)
  } else {
    walk.aliases.first.hint = `${walk.aliases.count} anchors and aliases in this file; write each value out in full`
  }
}

function unknownKeyProblem(walk: Walk, offset: number, path: Array<string | number>, key: string): ScenarioProblem {
  return walk.at(offset, formatPath(path), `unknown key '${key}'`, 'keys named __proto__ are never valid')
}

/** The text of a mapping key, or null when the key is not a plain scalar. */
function keyText(key: unknown): string | null {
  if (!isScalar(key)) return null
  const v = key.value
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return null
}

/** `beats.greeting.on[2].action`; keys that are not plain words are quoted. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else {
      const key = String(segment)
      if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key
      else out += `[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`
    }
  }
  return out
}

function tidy(problems: ScenarioProblem[], file: string): ScenarioProblem[] {
  const seen = new Set<string>()
  const unique = problems.filter((p) => {
    const key = `${p.line}:${p.col}:${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  unique.sort((a, b) => a.line - b.line || a.col - b.col)
  if (unique.length === 0) {
    // Defensive: a failed load always says something.
    return [{ file, line: 1, col: 1, path: '', message: 'the file is not a valid scenario' }]
  }
  if (unique.length <= MAX_PROBLEMS) return unique
  const rest = unique.length - MAX_PROBLEMS
  const first = unique[MAX_PROBLEMS]!
  return [...unique.slice(0, MAX_PROBLEMS), { ...first, path: '', message: `${rest} more problem${rest === 1 ? '' : 's'} not shown`, hint: 'fix the ones above first' }]
}

// ---------- schema issues to located, human problems ----------

type Issue = z.core.$ZodIssue
type Segment = PropertyKey

interface IssueContext {
  root: unknown
  at: (offset: number, path: string, message: string, hint?: string) => ScenarioProblem
}

type Located =
  | { found: true; node: unknown; keyNode: YamlNode | null }
  | { found: false; parent: unknown; parentKeyNode: YamlNode | null }

/** The YAML node a schema path points at, or the nearest mapping that should have held it. */
function locate(root: unknown, path: readonly Segment[]): Located {
  let node: unknown = root
  let keyNode: YamlNode | null = null
  for (const segment of path) {
    if (isMap(node)) {
      const pair = (node.items as Array<Pair<unknown, unknown>>).find((p) => keyText(p.key) === String(segment))
      if (!pair) return { found: false, parent: node, parentKeyNode: keyNode }
      keyNode = pair.key as YamlNode
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment]
      keyNode = null
    } else {
      return { found: false, parent: node, parentKeyNode: keyNode }
    }
  }
  return { found: true, node, keyNode }
}

function rangeStart(node: unknown): number | null {
  const range = (node as YamlNode | null)?.range
  return range ? range[0] : null
}

/** Where to point for a problem with a value: the value, or its key when the value is empty. */
function valueOffset(located: Located): number {
  if (!located.found) return rangeStart(located.parentKeyNode) ?? rangeStart(located.parent) ?? 0
  const { node, keyNode } = located
  const empty = node === null || (isScalar(node) && node.value === null && !node.source)
  return (empty ? rangeStart(keyNode) : rangeStart(node)) ?? rangeStart(keyNode) ?? 0
}

/** What the author wrote, for messages: 'aks-pin', the number 12, a list. */
function describeValue(node: unknown): string {
  if (node === null || node === undefined) return 'nothing'
  if (isScalar(node)) {
    const v = node.value
    if (v === null) return 'nothing'
    if (typeof v === 'string') return `'${truncate(v, 60)}'`
    if (typeof v === 'number') return `the number ${truncate(node.source ?? String(v), 30)}`
    if (typeof v === 'boolean') return String(v)
    return 'a value'
  }
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  return 'a value'
}

/** 'a', 'b' and 'c' */
function listWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined
}

// What a value of each enum is called, keyed by the last word of its path.
const ENUM_NOUNS: Record<string, string> = {
  action: 'action',
  did: 'action',
  tactics: 'tactic',
  rules: 'rule',
  caller: 'caller type',
  identity: 'caller identity',
  channel: 'channel',
  sim: 'SIM type',
  binding: 'note binding',
  field: 'field',
  kind: 'transaction kind',
  knows: 'knowledge item',
  holds: 'holding',
  to: 'OTP destination',
  question: 'knowledge question',
  team: 'escalation team',
  path: 'safe path',
  method: 'ID check method',
  approach: 'approach',
  tags: 'phrasing tag',
  outcome: 'ending outcome',
}

// What a formatted string is called, and what it looks like when zod has no message of its own.
const FORMAT_LABELS: Record<string, { label: string; hint?: string }> = {
  id: { label: 'id' },
  goto: { label: 'beat id' },
  start: { label: 'beat id' },
  choice: { label: 'choice id' },
  line: { label: 'phone number' },
  number: { label: 'phone number' },
  suppliedNumber: { label: 'phone number' },
  pin: { label: 'PIN', hint: 'use 4 to 8 digits in quotes, e.g. "482913", or null when the holder never set one' },
  ssnLast4: { label: 'SSN last 4', hint: 'use exactly 4 digits in quotes, e.g. "1234"' },
  cardLast4: { label: 'card last 4', hint: 'use exactly 4 digits in quotes, e.g. "1234"' },
}

const RECORD_KEY_LABELS: Record<string, string> = { beats: 'beat id' }

// The forms a `when:` condition may take (schema.ts, Condition).
const CONDITION_KEYS = ['verified', 'factors', 'failedAttempts', 'did', 'holds', 'knows', 'hrtBlocked', 'all', 'any', 'not'] as const
const CONDITION_FORMS =
  'a condition is one of: verified: true|false, factors: 0-4, failedAttempts: 0-10, did: <action>, holds: <holding>, knows: <knowledge item>, hrtBlocked: true|false, all: [conditions], any: [conditions], not: <condition>'

function lastWord(path: readonly Segment[]): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string
  return ''
}

function isConditionPath(path: readonly Segment[]): boolean {
  const last = path[path.length - 1]
  const before = path[path.length - 2]
  if (last === 'when' || last === 'not') return true
  return typeof last === 'number' && (before === 'all' || before === 'any')
}

function problemAt(context: IssueContext, offset: number, path: readonly Segment[], message: string, hint?: string): ScenarioProblem {
  return context.at(offset, formatPath(path), message, hint)
}

function describeIssue(issue: Issue, base: readonly Segment[], context: IssueContext): ScenarioProblem[] {
  const path = [...base, ...issue.path]
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => unrecognizedKey(key, path, context))
  if (issue.code === 'invalid_key') return [invalidKey(issue, path, context)]

  const located = locate(context.root, path)
  if (!located.found) return [missingKey(path, located, context)]
  if (issue.code === 'invalid_union') return describeUnion(issue, path, located, context)

  const offset = valueOffset(located)
  const shown = describeValue(located.node)
  const word = lastWord(path)
  switch (issue.code) {
    case 'invalid_value':
      return [invalidValue(issue.values, path, located, context)]
    case 'invalid_type':
      return [invalidType(issue.expected, path, located, context)]
    case 'too_small':
    case 'too_big':
      return [problemAt(context, offset, path, sizeMessage(issue), undefined)]
    case 'invalid_format': {
      const known = FORMAT_LABELS[word]
      const custom = issue.message && !issue.message.startsWith('Invalid') ? issue.message : undefined
      return [problemAt(context, offset, path, `invalid ${known?.label ?? 'value'} ${shown}`, custom ?? known?.hint ?? `it must match ${truncate(String(issue.pattern ?? issue.format), 80)}`)]
    }
    default:
      return [problemAt(context, offset, path, truncate(issue.message, 300))]
  }
}

function missingKey(path: readonly Segment[], located: Extract<Located, { found: false }>, context: IssueContext): ScenarioProblem {
  const key = String(path[path.length - 1])
  const parentPath = path.slice(0, -1)
  const description = schemaAt(path)?.description
  const hint = description ? `${key}: ${description}` : undefined
  if (!isMap(located.parent)) {
    // The parent is not a mapping at all; the problem is there, not the missing key.
    return invalidType('object', parentPath, { found: true, node: located.parent, keyNode: located.parentKeyNode }, context)
  }
  return problemAt(context, valueOffset(located), path, `missing required key '${key}'`, hint)
}

function unrecognizedKey(key: string, path: readonly Segment[], context: IssueContext): ScenarioProblem {
  const located = locate(context.root, [...path, key])
  const offset = located.found ? (rangeStart(located.keyNode) ?? 0) : valueOffset(located)
  const allowed = allowedKeys(path)
  if (key === '__proto__') return problemAt(context, offset, [...path, key], `unknown key '${key}'`, 'keys named __proto__ are never valid')
  const near = allowed ? nearest(key, allowed) : null
  const hint = near ? `did you mean '${near}'?` : allowed ? `allowed keys: ${allowed.join(', ')}` : undefined
  return problemAt(context, offset, [...path, key], `unknown key '${truncate(key, 60)}'`, hint)
}

function invalidKey(issue: Extract<Issue, { code: 'invalid_key' }>, path: readonly Segment[], context: IssueContext): ScenarioProblem {
  const located = locate(context.root, path)
  const offset = located.found ? (rangeStart(located.keyNode) ?? 0) : valueOffset(located)
  const key = String(path[path.length - 1])
  const label = RECORD_KEY_LABELS[lastWord(path.slice(0, -1))] ?? 'key'
  const custom = issue.issues.map((i) => i.message).find((m) => m && !m.startsWith('Invalid'))
  return problemAt(context, offset, path, `invalid ${label} '${truncate(key, 60)}'`, custom)
}

function invalidValue(values: readonly unknown[], path: readonly Segment[], located: Extract<Located, { found: true }>, context: IssueContext): ScenarioProblem {
  const offset = valueOffset(located)
  const shown = describeValue(located.node)
  const word = lastWord(path)
  const raw = isScalar(located.node) && typeof located.node.value === 'number' ? truncate(String(located.node.source ?? located.node.value), 30) : shown
  if (word === 'schemaVersion' && path.length === 1) {
    const hint = OLD_FORMAT_HINTS[raw] ?? `this version of Pretext reads schemaVersion ${values.map(String).join(', ')}`
    return problemAt(context, offset, path, `unsupported schemaVersion ${raw}`, hint)
  }
  const strings = values.filter((v): v is string => typeof v === 'string')
  const value = scalarValue(located.node)
  if (strings.length === values.length && strings.length > 0) {
    const noun = ENUM_NOUNS[word] ?? 'value'
    const near = typeof value === 'string' ? nearest(value, strings) : null
    const hint = near ? `did you mean '${near}'?` : `expected one of: ${strings.join(', ')}`
    return problemAt(context, offset, path, `unknown ${noun} ${raw}`, hint)
  }
  return problemAt(context, offset, path, `invalid ${word || 'value'} ${raw}`, `expected ${values.length > 1 ? 'one of ' : ''}${values.map((v) => JSON.stringify(v)).join(', ')}`)
}

/** What an author changes to bring a file of an older format up to date (scenarios/README.md, "Format versions"). */
const OLD_FORMAT_HINTS: Record<string, string> = {
  '1': `this is the version 1 format; Pretext now reads schemaVersion ${SCHEMA_VERSION}. To update the file: replace the request kind 'change-contact' with the change meant (change-email, change-address, change-pin or change-authorised-user) and give it a 'target' (the new email or address), then set schemaVersion: ${SCHEMA_VERSION}. Nothing else changes meaning (see "Format versions" in scenarios/README.md)`,
}

const EXPECTED_LABELS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value lines)',
  array: 'a list',
  null: 'null',
}

function invalidType(expected: string, path: readonly Segment[], located: Extract<Located, { found: true }>, context: IssueContext): ScenarioProblem {
  const offset = valueOffset(located)
  const shown = describeValue(located.node)
  const source = isScalar(located.node) ? truncate(String(located.node.source ?? ''), 40) : ''
  if (path.length === 0 && expected === 'object') {
    return problemAt(context, offset, path, `a scenario file must be a mapping of keys such as schemaVersion, id and title, not ${shown}`)
  }
  const value = scalarValue(located.node)
  let hint: string | undefined
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) hint = `put it in quotes: "${source}"`
  else if (expected === 'array' && isScalar(located.node) && value !== null) hint = `write a list, e.g. [${source}]`
  else if (expected === 'boolean' && typeof value === 'string') hint = 'write true or false'
  return problemAt(context, offset, path, `expected ${EXPECTED_LABELS[expected] ?? expected}, got ${shown}`, hint)
}

function sizeMessage(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small'
  const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum)
  const inclusive = issue.inclusive !== false
  switch (issue.origin) {
    case 'string':
      if (small) return limit <= 1 ? 'must not be empty' : `must be at least ${limit} characters`
      return `is too long; at most ${limit} characters`
    case 'array':
    case 'set':
      return small ? `needs at least ${limit} item${limit === 1 ? '' : 's'}` : `has too many items; at most ${limit}`
    default:
      if (small) return inclusive ? `must be at least ${limit}` : `must be greater than ${limit}`
      return inclusive ? `must be at most ${limit}` : `must be less than ${limit}`
  }
}

/**
 * zod reports a failed union with every alternative's issues. Pick the
 * alternative the author evidently meant (the one whose shape fits what was
 * written) and report its issues; otherwise say what forms are allowed.
 */
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: readonly Segment[], located: Extract<Located, { found: true }>, context: IssueContext): ScenarioProblem[] {
  const node = located.node
  const branches = issue.errors
  const offset = valueOffset(located)

  // Unions of literals or enums (tier: 1|2|3): one merged list of what is valid.
  if (branches.length > 0 && branches.every((b) => b.length === 1 && b[0]!.code === 'invalid_value' && b[0]!.path.length === 0)) {
    const values = branches.flatMap((b) => (b[0] as Extract<Issue, { code: 'invalid_value' }>).values)
    return [invalidValue(values, path, located, context)]
  }

  const mapKeys = isMap(node) ? (node.items as Array<Pair<unknown, unknown>>).map((p) => keyText(p.key) ?? '') : []
  const fitting = branches.filter((b) =>
    b.every((i) => {
      if (i.path.length === 0) {
        // An enum reports a list as a wrong value, not a wrong type; only a scalar fits an enum.
        if (i.code === 'invalid_value') return isScalar(node)
        return i.code !== 'invalid_type' && i.code !== 'unrecognized_keys'
      }
      // A required key of this alternative that the author did not write: not the meant form.
      if (i.path.length === 1 && i.code === 'invalid_type' && isMap(node)) return mapKeys.includes(String(i.path[0]))
      return true
    }),
  )
  if (fitting.length > 0) {
    const best = fitting.reduce((a, b) => (b.length < a.length ? b : a))
    return best.flatMap((inner) => describeIssue(inner, path, context))
  }
  // Only one alternative takes this kind of value (a mapping where one request or a list of them
  // is allowed): its own issues, a missing key included, say what is wrong.
  const sameKind = branches.filter((b) => !b.some((i) => i.path.length === 0 && i.code === 'invalid_type'))
  if (sameKind.length === 1 && !isConditionPath(path)) return sameKind[0]!.flatMap((inner) => describeIssue(inner, path, context))

  if (isConditionPath(path)) {
    if (isMap(node) && mapKeys.length > 1) {
      return [problemAt(context, offset, path, `a condition has exactly one key, found ${listWords(mapKeys.map((k) => `'${truncate(k, 30)}'`))}`, 'combine conditions with all: [...] or any: [...]')]
    }
    if (isMap(node) && mapKeys.length === 1) {
      const key = mapKeys[0]!
      const keyNode = (node.items[0] as Pair<unknown, unknown>).key
      const near = nearest(key, CONDITION_KEYS)
      return [problemAt(context, rangeStart(keyNode) ?? offset, [...path, key], `unknown condition '${truncate(key, 60)}'`, near ? `did you mean '${near}'? ${CONDITION_FORMS}` : CONDITION_FORMS)]
    }
    return [problemAt(context, offset, path, `expected a condition, got ${describeValue(node)}`, CONDITION_FORMS)]
  }

  // Otherwise name the kinds of value that would do, e.g. "text or a list".
  const expected = new Set<string>()
  for (const branch of branches) {
    for (const i of branch) {
      if (i.path.length === 0 && i.code === 'invalid_type') expected.add(EXPECTED_LABELS[i.expected] ?? i.expected)
    }
  }
  if (lastWord(path) === 'action' && !isScalar(node) && !isSeq(node)) {
    return [problemAt(context, offset, path, `expected an action or a list of actions, got ${describeValue(node)}`)]
  }
  const kinds = [...expected]
  const value = scalarValue(node)
  const hint = expected.has('text') && (typeof value === 'number' || typeof value === 'boolean') && isScalar(node) ? `put it in quotes: "${truncate(String(node.source ?? ''), 40)}"` : undefined
  const message = kinds.length > 0 ? `expected ${kinds.join(' or ')}, got ${describeValue(node)}` : `${describeValue(node)} is not allowed here`
  return [problemAt(context, offset, path, message, hint)]
}

/** The schema a path leads to, through optional, default, lazy and union wrappers. */
function schemaAt(path: readonly Segment[]): z.ZodType | null {
  let schema: z.ZodType | null = Scenario
  for (const segment of path) {
    schema = unwrapSchema(schema, String(segment))
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)] ?? null
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType
    else return null
    if (schema === null) return null
  }
  return schema
}

function unwrapSchema(schema: z.ZodType | null, nextKey?: string): z.ZodType | null {
  for (let i = 0; i < 20 && schema !== null; i++) {
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault || schema instanceof z.ZodLazy) {
      schema = schema.unwrap() as z.ZodType
    } else if (schema instanceof z.ZodPipe) {
      // A transform after validation (the scenario's `requests`): the file is read by its input side.
      schema = schema.in as z.ZodType
    } else if (schema instanceof z.ZodUnion) {
      const options = schema.options as readonly z.ZodType[]
      const list = options.map((o) => unwrapSchema(o)).find((o) => o instanceof z.ZodArray)
      if (list && nextKey !== undefined && /^[0-9]+$/.test(nextKey)) {
        schema = list
        continue
      }
      const objects = options.map((o) => unwrapSchema(o)).filter((o): o is z.ZodObject => o instanceof z.ZodObject)
      schema = (nextKey !== undefined ? objects.find((o) => nextKey in o.shape) : undefined) ?? objects[0] ?? null
    } else break
  }
  return schema
}

function allowedKeys(path: readonly Segment[]): string[] | null {
  const schema = unwrapSchema(schemaAt(path))
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : null
}

/** The closest candidate by edit distance (adjacent swaps count once), if close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase()
  if (w.length === 0 || w.length > 64) return null
  let best: string | null = null
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const c = candidate.toLowerCase()
    const d = c === w ? 0 : editDistance(w, c)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  if (best === null) return null
  const allowed = best.length <= 4 ? 1 : best.length <= 9 ? 2 : 3
  if (bestDistance <= allowed) return best
  // 'breach' for 'breach-data': a prefix of a hyphenated word is a likely slip too.
  const prefixed = candidates.find((c) => w.length >= 4 && c.toLowerCase().startsWith(w))
  return prefixed ?? null
}

function editDistance(a: string, b: string): number {
  // Optimal string alignment: insertions, deletions, substitutions and adjacent transpositions.
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[] = new Array<number>(rows * cols).fill(0)
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1)
      d[i * cols + j] = v
    }
  }
  return d[rows * cols - 1]!
}

// ---------- scenario to text ----------

export interface StringifyOptions {
  /** Where the JSON Schema is, relative to the scenario file; editors use it for completion. */
  schemaPath?: string
}

/** YAML text that loads back to the same scenario. */
export function stringifyScenario(scenario: Scenario, options: StringifyOptions = {}): string {
  const schemaPath = options.schemaPath ?? './scenario.schema.json'
  // The file states `request` (one, or a list in order); `requests` is what loading derives from it.
  const { requests, ...written } = scenario
  const file = { ...written, request: requests.length === 1 ? requests[0] : requests }
  const doc = new Document(file, { version: '1.2', schema: 'core', aliasDuplicateObjects: false })
  const body = doc.toString({ lineWidth: 0, minContentWidth: 0 })
  return `# yaml-language-server: $schema=${schemaPath}\n${body}`
}
