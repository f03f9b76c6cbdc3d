import { spawnSync } from 'node:child_process'
import { Readable } from 'node:stream'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { parse, parseDocument } from 'yaml'
import { TranscriptFile } from '@core/session/transcript'
import { run } from '../src-main/cli/run'

/**
 * The authoring command line, end to end: `run(argv, io)` in process (the
 * worker parser, the linter and the path analysis, on the library and on
 * broken copies of it), and the real `npm run scenarios` entry for what only
 * the process can show (its streams and exit status).
 */

const root = fileURLToPath(new URL('..', import.meta.url))
const library = join(root, 'scenarios/library')
const temp = mkdtempSync(join(tmpdir(), 'pretext-cli-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

async function scenarios(args: string[], input?: string) {
  let out = ''
  let err = ''
  const code = await run(args, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin: Readable.from(input === undefined ? [] : [input]),
    cwd: root,
  })
  return { code, out, err, all: `${out}${err}` }
}

function spawnScenarios(args: string[], input?: string) {
  const r = spawnSync('npm', ['run', '-s', 'scenarios', '--', ...args], { cwd: root, encoding: 'utf8', input, timeout: 90_000 })
  return { code: r.status, out: r.stdout, err: r.stderr, all: `${r.stdout}${r.stderr}` }
}

/** A copy of a library scenario with one edit (or none), alone in a temp folder. */
function brokenCopy(id: string, from?: string, to?: string): { file: string; text: string } {
  const dir = mkdtempSync(join(temp, `${id}-`))
  const text = readFileSync(join(library, `${id}.yaml`), 'utf8')
  const edited = from === undefined ? text : text.replace(from, to ?? '')
  if (from !== undefined) expect(edited).not.toBe(text)
  const file = join(dir, `${id}.yaml`)
  writeFileSync(file, edited)
  return { file, text: edited }
}

/** 1-based line and column of the first occurrence of `needle`. */
function positionOf(text: string, needle: string): string {
  const at = text.indexOf(needle)
  const before = text.slice(0, at).split('\n')
  return `${before.length}:${before.at(-1)!.length + 1}`
}

const display = (file: string) => relative(root, file)

describe('check', () => {
  it('passes the library', async () => {
    const r = await scenarios(['check', 'scenarios'])
    expect(r.code, r.all).toBe(0)
    expect(r.out).toMatch(/Checked \d+ scenarios and \d+ transcript files: 0 errors/)
  })

  it('names a misspelt goto target at file:line:col, with a suggestion', async () => {
    const { file, text } = brokenCopy('airport-stolen-phone', 'goto: pushback', 'goto: pushbak')
    const r = await scenarios(['check', file])
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${display(file)}:${positionOf(text, 'pushbak')}: error: goto target 'pushbak' is not a beat`)
    expect(r.err).toContain("did you mean 'pushback'?")
  })

  it('names a misspelt action at file:line:col, with a suggestion', async () => {
    const { file, text } = brokenCopy('airport-stolen-phone', 'action: ask-pin', 'action: aks-pin')
    const r = await scenarios(['check', file])
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${display(file)}:${positionOf(text, 'aks-pin')}: error:`)
    expect(r.err).toContain("did you mean 'ask-pin'?")
  })

  it('fails a fraud scenario whose caller holds two real factors, showing the call', async () => {
    const { file } = brokenCopy('airport-stolen-phone', 'holds: [new-sim]', 'holds: [new-sim, device]')
    const text = readFileSync(file, 'utf8').replace('knows: [name, line, dob, ssn-last4, address]', 'knows: [name, line, pin, dob, ssn-last4, address]')
    writeFileSync(file, text)
    const r = await scenarios(['check', file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/error: safety: a fraudster can get a high-risk change/)
    expect(r.err).toContain('a call that shows it:')
    expect(r.err).toContain('1. Ask for the account PIN')
  })

  it('validates the golden transcripts beside a scenario', async () => {
    const { file } = brokenCopy('typed-dob-wrong')
    const transcripts = file.replace(/\.yaml$/, '.transcripts.yaml')
    const text = readFileSync(join(library, 'typed-dob-wrong.transcripts.yaml'), 'utf8').replace('say: stop-after-two', 'say: stop-after-too')
    writeFileSync(transcripts, text)
    const r = await scenarios(['check', file])
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${display(transcripts)}:${positionOf(text, 'say: stop-after-too')}: error: there is no choice 'stop-after-too'`)
    expect(r.err).toContain("did you mean 'stop-after-two'?")
  })
})

describe('play', () => {
  const golden = TranscriptFile.parse(parse(readFileSync(join(library, 'typed-dob-wrong.transcripts.yaml'), 'utf8')))

  it.each(golden.transcripts.map((t) => [t.name, t.expect.score] as const))('--transcript %s prints the golden score (%d)', async (name, score) => {
    const r = await scenarios(['play', 'scenarios/library/typed-dob-wrong.yaml', '--transcript', 'scenarios/library/typed-dob-wrong.transcripts.yaml', '--name', name])
    expect(r.code, r.all).toBe(0)
    expect(r.out).toContain(`Score ${score} / 100`)
    expect(r.out).toContain('Expected by the golden transcript: met')
  })

  it('--update writes the expected lines and keeps the rest of the file', async () => {
    const dir = mkdtempSync(join(temp, 'update-'))
    copyFileSync(join(library, 'airport-stolen-phone.yaml'), join(dir, 'airport-stolen-phone.yaml'))
    // The library's first transcript, with its expected lines removed: --update must write them back.
    const doc = parseDocument(readFileSync(join(library, 'airport-stolen-phone.transcripts.yaml'), 'utf8'))
    doc.deleteIn(['transcripts', 0, 'expect', 'transcript'])
    const original = `# kept: a comment the author wrote\n${doc.toString()}`
    const transcripts = join(dir, 'airport-stolen-phone.transcripts.yaml')
    writeFileSync(transcripts, original)
    const name = TranscriptFile.parse(parse(original)).transcripts[0]!.name
    const r = await scenarios(['play', join(dir, 'airport-stolen-phone.yaml'), '--transcript', transcripts, '--name', name, '--update'])
    expect(r.code, r.all).toBe(0)
    const updated = readFileSync(transcripts, 'utf8')
    expect(updated.startsWith('# kept: a comment the author wrote\n')).toBe(true)
    const file = TranscriptFile.parse(parse(updated))
    const lines = file.transcripts[0]!.expect.transcript!
    expect(lines[0]).toMatch(/^caller: /)
    expect(lines).toContain('agent: Thank you for calling Northwind Mobile.')
    // Everything but that transcript's expectation is as it was.
    const others = (f: typeof file) => f.transcripts.slice(1)
    expect(others(file)).toEqual(others(TranscriptFile.parse(parse(original))))
    expect(updated.split('\n').filter((l) => !original.includes(l))).toEqual(expect.arrayContaining([expect.stringMatching(/^\s+- "(caller|agent|system): /)]))
    // And the call now matches its lines.
    const again = await scenarios(['play', join(dir, 'airport-stolen-phone.yaml'), '--transcript', transcripts, '--name', name])
    expect(again.out).toContain('Expected by the golden transcript: met')
  })

  it('plays a call from the keyboard and reports the score', async () => {
    // 6 check the account, 1 ask for the PIN, 19 end the call.
    const r = await scenarios(['play', 'scenarios/library/airport-stolen-phone.yaml', '--seed', '7'], '6\n1\n19\n')
    expect(r.code, r.all).toBe(0)
    expect(r.out).toContain('Caller  Hi, my phone was just stolen')
    expect(r.out).toContain('You     Can I have the account PIN, please?')
    expect(r.out).toMatch(/Score \d+ \/ 100 {3}compliance PASS/)
  })
})

describe('graph', () => {
  it('prints the beats as a Mermaid flowchart', async () => {
    const r = await scenarios(['graph', 'scenarios/library/typed-dob-wrong.yaml'])
    expect(r.code, r.all).toBe(0)
    const lines = r.out.trim().split('\n')
    expect(lines[0]).toBe('flowchart TD')
    for (const beat of ['opening', 'enrolment-excuse', 'pushback']) expect(r.out).toContain(`["${beat}"]`)
    expect(r.out).toMatch(/\(\["swapped<br\/><i>fraud-succeeded<\/i>"\]\)/)
    expect(r.out).toMatch(/b0 -->\|"ask-pin \[when failed ≥ 2\]"\| b1/)
    expect(r.out).toMatch(/b1 -->\|"say \[choice: stop-after-two\]"\| b2/)
    expect(r.out).toMatch(/class b\d fraudWin/)
  })
})

describe('paths', () => {
  it.each(readdirSync(library).filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml')).sort())('%s: finds a perfect call within the bounds', async (file) => {
    const r = await scenarios(['paths', `scenarios/library/${file}`])
    expect(r.code, r.all).toBe(0)
    expect(r.out).toMatch(/Shortest good call: score 100, compliance pass, \d+ actions\n/)
    expect(r.out).toContain('Critical failures reachable')
    expect(r.out).not.toContain('INCOMPLETE')
    const figures = r.out.slice(r.out.indexOf('Exploration'))
    console.log(`${file}\n${figures}`)
  })
})

describe('usage', () => {
  it('suggests the command meant', async () => {
    const r = await scenarios(['chekc', 'scenarios'])
    expect(r.code).toBe(2)
    expect(r.err).toContain("unknown command 'chekc'; did you mean 'check'?")
  })
})

describe('the real entry (npm run scenarios)', () => {
  it('reads answers from stdin, writes the call and its report to stdout, and exits 0', () => {
    // 6 check the account, 1 ask for the PIN, 19 end the call.
    const r = spawnScenarios(['play', 'scenarios/library/airport-stolen-phone.yaml', '--seed', '7'], '6\n1\n19\n')
    expect(r.code, r.all).toBe(0)
    expect(r.out).toContain('You     Can I have the account PIN, please?')
    expect(r.out).toMatch(/Score \d+ \/ 100 {3}compliance PASS/)
  })

  it('writes usage errors to stderr and exits 2', () => {
    const r = spawnScenarios(['chekc', 'scenarios'])
    expect(r.code).toBe(2)
    expect(r.err).toContain("unknown command 'chekc'; did you mean 'check'?")
    expect(r.out).toBe('')
  })
})
