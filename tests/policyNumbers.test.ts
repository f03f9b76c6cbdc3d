import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The policy's configurable numbers (rubric.yaml's `policy`: code validity,
 * the recent-change window, failed attempts, their window and the block after
 * a flag, transfer-PIN validity, holds)
 * reach trainees only through the policy, so a text that writes one out is a
 * copy that goes stale when a carrier changes it. This guard reads the texts
 * trainees and authors see (the console, the report, the world's and the
 * scorer's sentences, action and label wording, the CLI) for a number followed by a unit of
 * time, or a count of failed attempts. The behaviour itself is tested where
 * the texts are shown (src-renderer/src/components/call/policyNumbers.test.ts).
 */

const ROOT = join(__dirname, '..')
const ZONES = ['src-renderer/src', 'src-core/session', 'src-main/cli']
const FILES = ['src-core/scenario/vocabulary.ts', 'src-core/engine/world.ts', 'src-core/scoring/scorer.ts', 'src-core/analysis/lint.ts']

/** Durations that are facts of the carrier's service, not of its policy (the policy has no field for them). */
const NOT_POLICY = ['it takes about fifteen minutes']

const NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|sixty'
const POLICY_LITERAL = new RegExp(
  // "3 days ago" is a date shown, not a rule.
  [`\\b(\\d+|${NUMBER_WORDS})[ -]?(min|mins|minutes?|h|hrs?|hours?|d|days?|weeks?)\\b(?! ago)`, `\\b(\\d+|${NUMBER_WORDS}) (failed|wrong) (attempts?|factors?|tries)\\b`].join('|'),
  'i',
)

function sources(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return entry.name === 'testing' ? [] : walk(path)
      return /\.(ts|vue)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : []
    })
  return [...ZONES.flatMap(walk), ...FILES]
}

/** The file's text with comments, styles and drawings blanked (line numbers kept): what can reach a screen. */
function visibleText(source: string): string {
  const blank = (match: string) => match.replace(/[^\n]/g, ' ')
  return source
    .replace(/<style[\s\S]*?<\/style>/g, blank)
    .replace(/<svg[\s\S]*?<\/svg>|\sd="[^"]*"/g, blank)
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, (match, before: string) => before + blank(match.slice(before.length)))
}

describe('no policy number is written out in trainee-facing text', () => {
  it('finds the texts it guards', () => {
    const files = sources()
    expect(files).toEqual(expect.arrayContaining(['src-renderer/src/components/call/PolicyStrip.vue', 'src-core/session/describe.ts', 'src-main/cli/run.ts']))
  })

  it('catches a slip: a number of minutes, hours or days, or a count of failed attempts', () => {
    for (const slip of ['valid 3 minutes', 'a 24 h hold', 'changed in the last 30 days', 'Two failed attempts: stop', 'hold of 10 min', '7-day transfer PIN'])
      expect(visibleText(`const t = '${slip}'`), slip).toMatch(POLICY_LITERAL)
    expect(visibleText('// valid 3 minutes, as DOMAIN.md says')).not.toMatch(POLICY_LITERAL)
  })

  it.each(sources())('%s', (file) => {
    const lines = visibleText(readFileSync(join(ROOT, file), 'utf8')).split('\n')
    const found = lines
      .map((line, i) => ({ line, at: `${relative(ROOT, join(ROOT, file))}:${i + 1}` }))
      .filter(({ line }) => POLICY_LITERAL.test(NOT_POLICY.reduce((l, fact) => l.replace(fact, ''), line)))
      .map(({ line, at }) => `${at}: ${line.trim()}`)
    expect(found, 'read the number from the policy (rubric.yaml) instead').toEqual([])
  })
})
