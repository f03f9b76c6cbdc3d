import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * `npm run scenarios -- check` and `play --transcript` on files that are not
 * plain scenario text (issue 8, found item 7). Before, a FIFO hung the run, a
 * link to /dev/zero grew to gigabytes, an alias in a transcript threw a
 * ReferenceError with a stack trace and a 50 MB transcript was read whole.
 * Now each is one located line and the run finishes.
 */

const root = fileURLToPath(new URL('..', import.meta.url))
const temp = mkdtempSync(join(tmpdir(), 'pretext-cli-files-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

function scenarios(args: string[]) {
  const r = spawnSync('npm', ['run', '-s', 'scenarios', '--', ...args], { cwd: root, encoding: 'utf8', timeout: 90_000 })
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr }
}

const display = (file: string) => relative(root, file)
const ALIASED = `scenario: airport-stolen-phone
transcripts:
  - &first
    name: good
    description: A good call.
    kind: good
    actions: [check-account, end-call]
    expect: { compliance: pass, score: 100 }
  - *first
`

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at /m)
  expect(text).not.toMatch(/ReferenceError|TypeError/)
}

describe('check: files that are not regular files', () => {
  it('reports a FIFO, a link to /dev/zero and a dangling link as located problems, and finishes', () => {
    const dir = mkdtempSync(join(temp, 'lib-'))
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')])
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'))
    symlinkSync(join(dir, 'nowhere.yaml'), join(dir, 'dangling.yaml'))
    mkdirSync(join(dir, 'folder.yaml'))
    copyFileSync(join(root, 'scenarios/library/airport-stolen-phone.yaml'), join(dir, 'airport-stolen-phone.yaml'))

    const r = scenarios(['check', dir])
    expect(r.signal, 'the run finished on its own').toBeNull()
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${display(join(dir, 'pipe.yaml'))}:1:1: error: this is a named pipe (FIFO), not a regular file`)
    expect(r.err).toContain(`${display(join(dir, 'zero.yaml'))}:1:1: error: this is a symbolic link to a device, not a regular file`)
    expect(r.err).toContain(`${display(join(dir, 'dangling.yaml'))}:1:1: error: this is a symbolic link to something that does not exist`)
    expect(r.err).toMatch(/Checked 4 scenarios and 0 transcript files: 3 errors/)
    expectNoStackTrace(r.err)
  })
})

describe('golden transcripts go through the safe loader', () => {
  function scenarioWithTranscript(write: (file: string) => void): { scenario: string; transcript: string } {
    const dir = mkdtempSync(join(temp, 'tr-'))
    const scenario = join(dir, 'airport-stolen-phone.yaml')
    copyFileSync(join(root, 'scenarios/library/airport-stolen-phone.yaml'), scenario)
    const transcript = join(dir, 'airport-stolen-phone.transcripts.yaml')
    write(transcript)
    return { scenario, transcript }
  }

  it('an alias is a located error in check and in play, never a stack trace', () => {
    const { scenario, transcript } = scenarioWithTranscript((file) => writeFileSync(file, ALIASED))
    const line = `${display(transcript)}:9:5: error: YAML aliases (&/*) are not allowed in this file`
    const check = scenarios(['check', scenario])
    expect(check.code).toBe(1)
    expect(check.err).toContain(line)
    expectNoStackTrace(check.err)
    const play = scenarios(['play', scenario, '--transcript', transcript])
    expect(play.code).toBe(1)
    expect(play.err).toContain(line)
    expectNoStackTrace(play.err)
  })

  it('a 50 MB transcript is refused by its size before it is read', () => {
    const { scenario, transcript } = scenarioWithTranscript((file) => {
      writeFileSync(file, '')
      truncateSync(file, 50 * 1024 * 1024)
    })
    const r = scenarios(['check', scenario])
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${display(transcript)}:1:1: error: the file is too large (51,200 KiB; the limit is 256 KiB), so it was not read`)
    expectNoStackTrace(r.err)
  })
})

describe('the rubric', () => {
  it('a rubric that is a FIFO is a located error, and the run finishes', () => {
    const dir = mkdtempSync(join(temp, 'rubric-'))
    execFileSync('mkfifo', [join(dir, 'rubric.yaml')])
    const r = scenarios(['check', 'scenarios/library/airport-stolen-phone.yaml', '--rubric', join(dir, 'rubric.yaml')])
    expect(r.signal).toBeNull()
    expect(r.code).toBe(1)
    expect(r.err).toMatch(new RegExp(`^${display(join(dir, 'rubric.yaml')).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:1: error: Cannot read the rubric at .*: this is a named pipe \\(FIFO\\)`, 'm'))
    expectNoStackTrace(r.err)
  })
})
