import { describe, expect, it } from 'vitest'
import {
  ScenarioLoadError,
  decodeScenarioBytes,
  formatProblem,
  loadScenarioText,
  nearest,
  stringifyScenario,
  tryLoadScenarioText,
} from './loader'
import { MINIMAL_SCENARIO_YAML } from './loader.fixtures'

const FILE = 'scenarios/minimal-call.yaml'

/** The fixture with one exact substring replaced; fails loudly if the substring is not there. */
function edit(find: string, replace: string): string {
  expect(MINIMAL_SCENARIO_YAML).toContain(find)
  return MINIMAL_SCENARIO_YAML.replace(find, replace)
}

function problems(text: string): string[] {
  const result = tryLoadScenarioText(text, FILE)
  if (result.ok) throw new Error('expected the file to be refused')
  return result.errors.map(formatProblem)
}

describe('loadScenarioText: valid files', () => {
  it('loads the minimal scenario and fills in defaults', () => {
    const scenario = loadScenarioText(MINIMAL_SCENARIO_YAML, FILE)
    expect(scenario.id).toBe('minimal-call')
    expect(scenario.channel).toBe('phone')
    expect(scenario.account.pin).toBe('482913')
    expect(scenario.account.locks).toEqual({ simProtection: false, numberLock: false })
    expect(Object.keys(scenario.beats)).toEqual(['greeting', 'goodbye'])
    expect(scenario.beats.greeting!.on[1]).toEqual({ action: 'deny', goto: 'goodbye', tactics: [] })
  })

  it('reads Windows line endings and a byte-order mark the same way', () => {
    const crlf = `\uFEFF${MINIMAL_SCENARIO_YAML.replace(/\n/g, '\r\n')}`
    expect(loadScenarioText(crlf, FILE)).toEqual(loadScenarioText(MINIMAL_SCENARIO_YAML, FILE))
    expect(problems(crlf.replace('action: ask-pin', 'action: aks-pin'))[0]).toMatch(/:28:17: unknown action 'aks-pin'/)
  })

  it('decodes UTF-8 bytes, dropping a byte-order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Array.from(MINIMAL_SCENARIO_YAML, (c) => c.charCodeAt(0))])
    expect(decodeScenarioBytes(bytes, FILE)).toBe(MINIMAL_SCENARIO_YAML)
  })

  it('stringifies with the schema comment first, and loads back', () => {
    const scenario = loadScenarioText(MINIMAL_SCENARIO_YAML, FILE)
    const text = stringifyScenario(scenario)
    expect(text.startsWith('# yaml-language-server: $schema=./scenario.schema.json\n')).toBe(true)
    expect(stringifyScenario(scenario, { schemaPath: '../scenario.schema.json' })).toMatch(/^# yaml-language-server: \$schema=\.\.\/scenario\.schema\.json\n/)
    expect(loadScenarioText(text, FILE)).toEqual(scenario)
  })
})

describe('loadScenarioText: located errors', () => {
  it('names a misspelt action, where it is, and the nearest valid one', () => {
    expect(problems(edit('action: ask-pin', 'action: aks-pin'))).toEqual([
      `${FILE}:28:17: unknown action 'aks-pin' at beats.greeting.on[0].action; did you mean 'ask-pin'?`,
    ])
  })

  it('names an unknown key and suggests the allowed one', () => {
    expect(problems(edit('  holder: Dana', '  holdr: Dana'))).toEqual([
      `${FILE}:11:1: missing required key 'holder' at account.holder`,
      `${FILE}:12:3: unknown key 'holdr' at account.holdr; did you mean 'holder'?`,
    ])
  })

  it('lists the allowed keys when nothing is close', () => {
    expect(problems(edit('tier: 1\n', 'tier: 1\ncolour: blue\n'))[0]).toBe(
      `${FILE}:7:1: unknown key 'colour' at colour; allowed keys: $schema, schemaVersion, id, title, summary, briefing, tier, caller, channel, variants, tactics, rules, redFlags, goodPractice, request, account, callerFacts, choices, on, start, beats`,
    )
  })

  it('points a missing required field at the mapping that should hold it', () => {
    expect(problems(edit('  summary: Move my number to a new SIM\n', ''))).toEqual([
      `${FILE}:8:1: missing required key 'summary' at request.summary; summary: one line for the console, e.g. "Move my number to a new eSIM"`,
    ])
  })

  it('says what type was expected and how to fix a number that should be text', () => {
    expect(problems(edit('pin: "482913"', 'pin: 482913'))).toEqual([
      `${FILE}:14:8: expected text, got the number 482913 at account.pin; put it in quotes: "482913"`,
    ])
    expect(problems(edit('identity: holder\n', 'identity: holder\n  knows: name\n'))).toEqual([
      `${FILE}:22:10: expected a list, got 'name' at callerFacts.knows; write a list, e.g. [name]`,
    ])
  })

  it('suggests the nearest tactic', () => {
    expect(problems(edit('    say: Hi, I need a new SIM for my phone.\n', '    say: Hi, I need a new SIM for my phone.\n    tactics: [urgncy, sympathy]\n'))).toEqual([
      `${FILE}:27:15: unknown tactic 'urgncy' at beats.greeting.tactics[0]; did you mean 'urgency'?`,
    ])
  })

  it('lists every valid value when nothing is close', () => {
    expect(problems(edit('caller: legitimate', 'caller: somebody'))).toEqual([
      `${FILE}:7:9: unknown caller type 'somebody' at caller; expected one of: fraud, legitimate, ambiguous`,
    ])
    expect(problems(edit('tier: 1', 'tier: 4'))).toEqual([`${FILE}:6:7: invalid tier 4 at tier; expected one of 1, 2, 3`])
  })

  it('explains conditions: the form meant, a condition with two keys, an unknown condition', () => {
    const when = (condition: string) => problems(edit("        say: It's 482913.\n", `        say: It's 482913.\n        when: ${condition}\n`))
    expect(when('{ all: [{ did: aks-pin }] }')).toEqual([
      `${FILE}:30:30: unknown action 'aks-pin' at beats.greeting.on[0].when.all[0].did; did you mean 'ask-pin'?`,
    ])
    expect(when('{ did: deny, verified: true }')).toEqual([
      `${FILE}:30:15: a condition has exactly one key, found 'did' and 'verified' at beats.greeting.on[0].when; combine conditions with all: [...] or any: [...]`,
    ])
    const [unknown] = when('{ verifed: true }')
    expect(unknown).toMatch(new RegExp(`^${FILE}:30:17: unknown condition 'verifed' at beats\\.greeting\\.on\\[0\\]\\.when\\.verifed; did you mean 'verified'\\? a condition is one of: verified: true\\|false, `))
    expect(when('verified')[0]).toMatch(/:30:15: expected a condition, got 'verified' at beats\.greeting\.on\[0\]\.when; a condition is one of:/)
  })

  it('reports a bad beat id at the key', () => {
    expect(problems(edit('  goodbye:\n', '  Goodbye:\n'))).toEqual([
      `${FILE}:32:3: invalid beat id 'Goodbye' at beats.Goodbye; start with a letter, then lower-case letters, digits and hyphens, e.g. "airport-stolen-phone"`,
    ])
  })

  it('reports several problems in file order', () => {
    const lines = problems(edit('tier: 1', 'tier: 9').replace('action: deny', 'action: dney').replace('sim: physical', 'sim: nano'))
    expect(lines.map((l) => l.split(': ')[0])).toEqual([`${FILE}:6:7`, `${FILE}:19:10`, `${FILE}:30:17`])
    expect(lines[1]).toContain("unknown SIM type 'nano'")
    expect(lines[2]).toContain("did you mean 'deny'?")
  })

  it('throws ScenarioLoadError whose format() gives one line per problem', () => {
    const text = edit('action: ask-pin', 'action: aks-pin')
    let caught: unknown
    try {
      loadScenarioText(text, FILE)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ScenarioLoadError)
    const error = caught as ScenarioLoadError
    expect(error.errors).toEqual([
      { file: FILE, line: 28, col: 17, path: 'beats.greeting.on[0].action', message: "unknown action 'aks-pin'", hint: "did you mean 'ask-pin'?" },
    ])
    expect(error.format()).toBe(error.message)
    expect(error.name).toBe('ScenarioLoadError')
  })
})

describe('nearest', () => {
  it('finds slips of one or two characters, swaps and prefixes, and nothing when far', () => {
    expect(nearest('aks-pin', ['ask-pin', 'deny'])).toBe('ask-pin')
    expect(nearest('Urgency', ['urgency'])).toBe('urgency')
    expect(nearest('breach', ['breach-data', 'urgency'])).toBe('breach-data')
    expect(nearest('zzz', ['ask-pin', 'deny'])).toBeNull()
  })
})
