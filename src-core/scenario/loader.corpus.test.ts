// The regression corpus of QUALITY.md ("Untrusted scenario files"): each
// hostile file yields a ScenarioLoadError with a location, and nothing else.
import { afterAll, describe, expect, it } from 'vitest'
import { ScenarioLoadError, decodeScenarioBytes, loadScenarioText, type ScenarioProblem } from './loader'
import { MINIMAL_SCENARIO_YAML } from './loader.fixtures'

const FILE = 'scenarios/hostile.yaml'

/** Loads `text`, expecting refusal; returns the problems after checking each is located. */
function refused(text: string, options: Parameters<typeof loadScenarioText>[2] = {}): ScenarioProblem[] {
  const started = performance.now()
  let caught: unknown
  try {
    loadScenarioText(text, FILE, options)
  } catch (error) {
    caught = error
  }
  const elapsed = performance.now() - started
  expect(caught).toBeInstanceOf(ScenarioLoadError)
  const { errors } = caught as ScenarioLoadError
  expect(errors.length).toBeGreaterThan(0)
  for (const problem of errors) {
    expect(problem.file).toBe(FILE)
    expect(problem.line).toBeGreaterThanOrEqual(1)
    expect(problem.col).toBeGreaterThanOrEqual(1)
    expect(problem.message.length).toBeGreaterThan(0)
  }
  // Generous for a loaded CI machine; the figures measured here are a few ms to ~150 ms.
  expect(elapsed).toBeLessThan(2_000)
  return errors
}

const globals = globalThis as Record<string, unknown>
afterAll(() => {
  // Nothing any test fed the loader may have changed the process.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.prototype).not.toHaveProperty('polluted')
  expect(globals.pwned).toBeUndefined()
})

describe('billion laughs', () => {
  it('refuses aliases before anything is expanded, and says so once', () => {
    const lol = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...'bcdefghi'.split('').map((name, i) => {
        const prev = 'abcdefghi'[i]
        return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`
      }),
    ].join('\n')
    const errors = refused(lol)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ line: 1, col: 4, message: 'YAML aliases (&/*) are not allowed in scenario files' })
    expect(errors[0]!.hint).toContain('81 anchors and aliases')
  })

  it('refuses a single alias inside an otherwise valid scenario', () => {
    const text = MINIMAL_SCENARIO_YAML.replace('  holder: Dana Whitfield', '  holder: &who Dana Whitfield').replace(
      '  identity: holder',
      '  identity: holder\n  claimsToBe: *who',
    )
    expect(refused(text)[0]).toMatchObject({ line: 12, col: 11, path: 'account.holder' })
  })
})

describe('deep nesting', () => {
  it.each([
    ['flow sequences', '['.repeat(5000) + ']'.repeat(5000), { line: 1, col: 65 }],
    ['flow mappings', 'a: ' + '{b: '.repeat(5000) + '1' + '}'.repeat(5000), { line: 1, col: 4 + 4 * 63 }],
    ['block sequences', '- '.repeat(5000) + 'x\n', { line: 1, col: 129 }],
    ['unclosed brackets, 100,000 deep', '['.repeat(100_000), { line: 1, col: 65 }],
  ])('%s: a located error, not a stack overflow', (_name, text, where) => {
    const errors = refused(text)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ ...where, message: 'nesting is deeper than 64 levels' })
  })

  it('indented block mappings past the cap', () => {
    const text = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n'
    expect(refused(text)[0]).toMatchObject({ line: 65, message: 'nesting is deeper than 64 levels' })
  })

  it('the cap is configurable', () => {
    expect(refused('a: [[[1]]]', { maxDepth: 2 })[0]).toMatchObject({ line: 1, col: 5 })
  })
})

describe('custom tags stay inert', () => {
  it.each([
    ['!!js/function', 'title: !!js/function "function () { globalThis.pwned = true; return 1 }"'],
    ['!!js/undefined', 'title: !!js/undefined ""'],
    ['verbatim js tag', 'title: !<tag:yaml.org,2002:js/function> "function () { globalThis.pwned = true }"'],
    ['!!python/object/apply', 'title: !!python/object/apply:os.system ["touch /tmp/pwned"]'],
    ['local tag', 'title: !include /etc/passwd'],
    ['!!binary', 'title: !!binary aGVsbG8='],
    ['!!set', 'title: !!set { a, b }'],
  ])('%s: refused at the tag, never run', (_name, line) => {
    const text = MINIMAL_SCENARIO_YAML.replace('title: A minimal call', line)
    const errors = refused(text)
    expect(errors[0]).toMatchObject({ line: 4, col: 8, path: 'title' })
    expect(errors[0]!.message).toMatch(/^YAML tag '.+' is not allowed in scenario files$/)
    expect(globals.pwned).toBeUndefined()
  })

  it('plain core tags are fine', () => {
    const text = MINIMAL_SCENARIO_YAML.replace('pin: "482913"', 'pin: !!str 482913')
    expect(loadScenarioText(text, FILE).account.pin).toBe('482913')
  })
})

describe('duplicate keys', () => {
  it('at the top level', () => {
    const text = MINIMAL_SCENARIO_YAML.replace('tier: 1\n', 'tier: 1\ntier: 3\n')
    expect(refused(text)).toEqual([
      { file: FILE, line: 7, col: 1, path: '', message: "duplicate key 'tier'; each key may appear only once in a mapping" },
    ])
  })

  it('a beat written twice', () => {
    const text = `${MINIMAL_SCENARIO_YAML}  greeting:\n    say: again\n`
    expect(refused(text)[0]).toMatchObject({ line: 36, col: 3, message: "duplicate key 'greeting'; each key may appear only once in a mapping" })
  })
})

describe('__proto__ keys', () => {
  it.each([
    ['top level', (t: string) => t.replace('tier: 1\n', 'tier: 1\n__proto__: { polluted: true }\n'), { line: 7, col: 1, path: '__proto__' }],
    ['quoted, in a nested mapping', (t: string) => t.replace('  pin: "482913"', '  pin: "482913"\n  "__proto__": { polluted: true }'), { line: 15, col: 3, path: 'account.__proto__' }],
    ['as a beat id', (t: string) => `${t}  __proto__:\n    polluted: true\n`, { line: 36, col: 3, path: 'beats.__proto__' }],
    ['inside a list item', (t: string) => t.replace('      - action: deny', '      - __proto__: { polluted: true }\n        action: deny'), { line: 30, col: 9, path: 'beats.greeting.on[1].__proto__' }],
  ])('%s: a located unknown-key error, no prototype change', (_name, mutate, where) => {
    const errors = refused(mutate(MINIMAL_SCENARIO_YAML))
    expect(errors).toEqual([{ file: FILE, ...where, message: "unknown key '__proto__'", hint: 'keys named __proto__ are never valid' }])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('constructor.prototype is just an unknown key too', () => {
    const text = MINIMAL_SCENARIO_YAML.replace('tier: 1\n', 'tier: 1\nconstructor: { prototype: { polluted: true } }\n')
    expect(refused(text)[0]).toMatchObject({ line: 7, col: 1, message: "unknown key 'constructor'" })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('size limit', () => {
  it('a file over 256 KiB is refused before parsing', () => {
    const text = `${MINIMAL_SCENARIO_YAML}# ${'x'.repeat(256 * 1024)}\n`
    expect(refused(text)).toEqual([
      {
        file: FILE,
        line: 1,
        col: 1,
        path: '',
        message: 'the file is too large (over 257 KiB; the limit is 256 KiB)',
        hint: 'a scenario is a few KiB of text; check that this is the right file',
      },
    ])
  })

  it('counts UTF-8 bytes, not characters, and the limit is configurable', () => {
    // 3 bytes each in UTF-8: 1,000 characters, 3,000 bytes.
    expect(refused(`title: ${'€'.repeat(1000)}`, { maxBytes: 2048 })[0]!.message).toBe('the file is too large (3 KiB; the limit is 2 KiB)')
  })

  it('decodeScenarioBytes checks the size before decoding', () => {
    expect(() => decodeScenarioBytes(new Uint8Array(300 * 1024), FILE)).toThrow(/too large \(300 KiB; the limit is 256 KiB\)/)
  })
})

describe('bytes that are not UTF-8', () => {
  const utf8 = (s: string) => Array.from(s, (c) => c.charCodeAt(0)) // ASCII only
  it.each([
    ['a lone 0xff', [...utf8('id: ok\ntitle: caf'), 0xff, ...utf8('\n')], { line: 2, col: 11 }, '0xff'],
    ['Latin-1 é after valid UTF-8 é', [...utf8('title: '), 0xc3, 0xa9, 0xe9, ...utf8('\n')], { line: 1, col: 9 }, '0xe9'],
    ['an overlong slash', [...utf8('a: '), 0xc0, 0xaf], { line: 1, col: 4 }, '0xc0'],
    ['an encoded surrogate', [...utf8('a: '), 0xed, 0xa0, 0x80], { line: 1, col: 4 }, '0xed'],
    ['a truncated sequence at the end', [...utf8('a: '), 0xe2, 0x82], { line: 1, col: 4 }, '0xe2'],
    ['UTF-16 with its byte-order mark', [0xff, 0xfe, ...utf8('a').flatMap((c) => [c, 0])], { line: 1, col: 1 }, '0xff'],
  ])('%s: a located error naming the byte', (_name, bytes, where, byte) => {
    let caught: unknown
    try {
      decodeScenarioBytes(new Uint8Array(bytes), FILE)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ScenarioLoadError)
    const [problem] = (caught as ScenarioLoadError).errors
    expect(problem).toMatchObject({ file: FILE, ...where, hint: 'save the file as UTF-8' })
    expect(problem!.message).toContain(byte)
  })
})

describe('other malformed files', () => {
  it.each([
    ['empty', '', 'the file is empty'],
    ['only a comment', '# nothing\n', 'the file is empty'],
    ['only document markers', '---\n...\n', 'the file is empty'],
    ['a stray bracket', ']', 'YAML syntax: Unexpected flow-seq-end token in YAML document: "]"'],
    ['a list', '- a\n- b\n', 'a scenario file must be a mapping of keys such as schemaVersion, id and title, not a list'],
    ['a scalar', 'hello', "a scenario file must be a mapping of keys such as schemaVersion, id and title, not 'hello'"],
    ['two documents', `${MINIMAL_SCENARIO_YAML}---\nid: second\n`, 'a scenario file holds one YAML document'],
    ['tabs as indentation', 'a:\n\tb: 1\n', 'YAML syntax: Tabs are not allowed as indentation'],
    ['a mapping as a key', '? [a, b]\n: 1\n', 'keys must be plain words such as "title", not lists, mappings or empty'],
    ['NUL bytes', 'title: a\u0000b\n', undefined],
  ])('%s', (_name, text, message) => {
    const errors = refused(text)
    if (message) expect(errors.map((e) => e.message)).toContain(message)
  })
})
