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

/** A library scenario and its transcripts, copied to a temp folder, with an edit to the transcripts. */
function withTranscripts(id: string, edit: (text: string) => string): { dir: string; file: string; text: string } {
  const { file } = brokenCopy(id)
  const transcripts = file.replace(/\.yaml$/, '.transcripts.yaml')
  const original = readFileSync(join(library, `${id}.transcripts.yaml`), 'utf8')
  const text = edit(original)
  expect(text).not.toBe(original)
  writeFileSync(transcripts, text)
  return { dir: join(file, '..'), file: transcripts, text }
}

describe('check replays the golden transcripts', () => {
  it('says NOT MET with the difference, and exits 1, when an expected score is wrong', async () => {
    const { dir, file, text } = withTranscripts('typed-dob-wrong', (t) => t.replace('score: 100', 'score: 7'))
    const r = await scenarios(['check', dir])
    expect(r.code).toBe(1)
    const expectAt = positionOf(text, 'expect:')
    expect(r.err).toContain(`${display(file)}:${expectAt}: error: transcript 'stop-flag-notify-refer': NOT MET`)
    expect(r.err).toContain('score: expected 7, got 100 (deductions: none)')
    expect(r.err).toMatch(/Checked 1 scenario and 1 transcript file: 1 error/)
  })

  it('shows the first call line that differs', async () => {
    const { dir } = withTranscripts('airport-stolen-phone', (t) => t.replace('"caller: That\'s the phone that was stolen!', '"caller: That is the phone that was stolen!'))
    const r = await scenarios(['check', dir])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/line 8: expected "caller: That is the phone that was stolen!.*"\n\s+got "caller: That's the phone that was stolen!/)
  })

  it('refuses a phrasing the beat the call is in does not offer', async () => {
    // protect-and-path belongs to 'pushback'; before the denial the call is still in 'opening'.
    const { dir, file, text } = withTranscripts('airport-stolen-phone', (t) => t.replace('      - deny\n      - say: protect-and-path', '      - say: protect-and-path\n      - deny'))
    const r = await scenarios(['check', dir])
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${display(file)}:${positionOf(text, 'say: protect-and-path')}: error: the call is in beat 'opening' here, which does not offer the phrasing 'protect-and-path'`)
  })

  it('writes transcript errors as sentences at file:line:col, with did-you-mean', async () => {
    const { dir, file, text } = withTranscripts('typed-dob-wrong', (t) =>
      t
        .replace('- check-account', '- chek-account')
        .replace('red-flags, referral', 'red-flag, referral')
        .replace('perform-hrt: { kind: sim-change, notify: true, hold: true }', 'perform-hrt: { kind: sim-change, hold: yes }')
        .replace('kind: good', 'kind: great'),
    )
    const r = await scenarios(['check', dir])
    expect(r.code).toBe(1)
    const at = (needle: string) => `${display(file)}:${positionOf(text, needle)}: error:`
    expect(r.err).toContain(`${at('chek-account')} unknown action 'chek-account' at transcripts[0].actions[0]; did you mean 'check-account'?`)
    expect(r.err).toContain(`${at('red-flag,')} unknown note item 'red-flag' for note at transcripts[0].actions[10].note.items[2]; did you mean 'red-flags'?`)
    expect(r.err).toContain(`${at('perform-hrt: {')} perform-hrt needs 'notify': true or false`)
    expect(r.err).toContain(`${at('yes }')} 'hold' of perform-hrt must be true or false, got 'yes'`)
    expect(r.err).toContain(`${at('great')} unknown kind 'great'`)
    expect(r.err).not.toMatch(/invalid_type|"code"|\[\{/)
  })

  it('warns about a branch an earlier one always catches', async () => {
    const { file, text } = brokenCopy('airport-stolen-phone', '      - action: [deny, offer-safe-path]\n        goto: pushback', '      - action: [deny, offer-safe-path]\n        goto: pushback\n      - action: deny\n        say: Never fires.')
    const r = await scenarios(['check', file])
    expect(r.all).toContain(`${display(file)}:${positionOf(text, 'action: deny\n        say: Never')}: warning: this branch never fires: beats.opening.on[2] comes first and catches every case it would`)
  })
})

describe('new', () => {
  it('writes a commented scenario and transcripts that pass check as written', async () => {
    const dir = mkdtempSync(join(temp, 'new-'))
    const r = await scenarios(['new', 'my-first-call', '--dir', dir])
    expect(r.code, r.all).toBe(0)
    const scenario = readFileSync(join(dir, 'my-first-call.yaml'), 'utf8')
    expect(scenario).toContain('id: my-first-call')
    expect(scenario).toMatch(/# .*scenarios\/README\.md/)
    const checked = await scenarios(['check', dir])
    expect(checked.code, checked.all).toBe(0)
    expect(checked.out).toContain('Checked 1 scenario and 1 transcript file: 0 errors, 0 warnings.')
    // And it never overwrites.
    const again = await scenarios(['new', 'my-first-call', '--dir', dir])
    expect(again.code).toBe(1)
    expect(again.err).toContain('already exists')
  })
})

describe('check --watch', () => {
  it('checks again when a file is saved, until stopped', async () => {
    const dir = mkdtempSync(join(temp, 'watch-'))
    await scenarios(['new', 'watched-call', '--dir', dir])
    let out = ''
    let err = ''
    const waiters: Array<{ test: () => boolean; done: () => void }> = []
    const wrote = () => {
      for (const w of [...waiters]) {
        if (!w.test()) continue
        waiters.splice(waiters.indexOf(w), 1)
        w.done()
      }
    }
    /** Resolves when the output so far holds `count` of `text`; fails after a bound, never sleeps. */
    const printed = (text: string, count: number) =>
      new Promise<void>((resolve, reject) => {
        const test = () => (out + err).split(text).length - 1 >= count
        if (test()) return resolve()
        const timer = setTimeout(() => reject(new Error(`no re-check within 20 s; output so far:\n${out}${err}`)), 20_000)
        waiters.push({ test, done: () => (clearTimeout(timer), resolve()) })
      })
    const stop = new AbortController()
    const running = run(['check', dir, '--watch'], {
      stdout: { write: (text: string) => ((out += text), wrote()) },
      stderr: { write: (text: string) => ((err += text), wrote()) },
      stdin: Readable.from([]),
      cwd: root,
      signal: stop.signal,
    })
    // Watching starts after the first check's summary: a save before it would go unseen.
    await printed('Watching', 1)
    expect(out).toContain('0 errors')
    const file = join(dir, 'watched-call.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('goto: pushback', 'goto: pushbak'))
    await printed('Checked 1 scenario', 2)
    expect(err).toContain("goto target 'pushbak' is not a beat")
    stop.abort()
    expect(await running).toBe(1)
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
    expect(r.out).toMatch(/Best call: score 100, compliance pass, \d+ actions\n/)
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
