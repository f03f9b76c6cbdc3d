import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import { ScenarioLibrary } from './library'
import { loadRubric } from './rubric'
import { ScenarioParser } from './scenarioParser'
import { readUntrustedFile } from './untrustedFile'

/**
 * Files in the scenario library are untrusted: only regular files within the
 * cap are read, and everything else is a sentence, never a hang (a FIFO), a
 * memory blow-up (/dev/zero) or a thrown EISDIR/ENOENT that stops the app.
 * Each case here hung or threw before.
 */

const REPO = join(__dirname, '..', '..')
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-untrusted-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function hostileEntries(): Record<string, RegExp> {
  execFileSync('mkfifo', [join(dir, 'pipe.yaml')])
  symlinkSync('/dev/zero', join(dir, 'zero.yaml'))
  mkdirSync(join(dir, 'folder.yaml'))
  symlinkSync(join(dir, 'nowhere.yaml'), join(dir, 'dangling.yaml'))
  writeFileSync(join(dir, 'huge.yaml'), 'x'.repeat(300 * 1024))
  return {
    'pipe.yaml': /^this is a named pipe \(FIFO\), not a regular file; only regular files are read/,
    'zero.yaml': /^this is a symbolic link to a device, not a regular file/,
    'folder.yaml': /^this is a folder, not a regular file/,
    'dangling.yaml': /^this is a symbolic link to something that does not exist/,
    'huge.yaml': /^the file is too large \(300 KiB; the limit is 256 KiB\), so it was not read/,
  }
}

describe('readUntrustedFile', () => {
  it('refuses a FIFO, a link to /dev/zero, a folder, a dangling link and an oversized file without reading them', () => {
    for (const [name, message] of Object.entries(hostileEntries())) {
      const result = readUntrustedFile(join(dir, name), 256 * 1024)
      expect(result, name).toMatchObject({ ok: false, message: expect.stringMatching(message) })
    }
  })

  it('reads a regular file, and a link to one', () => {
    writeFileSync(join(dir, 'a.yaml'), 'id: a\n')
    symlinkSync(join(dir, 'a.yaml'), join(dir, 'b.yaml'))
    for (const name of ['a.yaml', 'b.yaml']) expect(readUntrustedFile(join(dir, name), 100)).toEqual({ ok: true, bytes: Buffer.from('id: a\n') })
    expect(readUntrustedFile(join(dir, 'a.yaml'), 5)).toMatchObject({ ok: false, message: expect.stringMatching(/^the file is too large/) })
  })
})

describe('the scenario library', () => {
  it('lists each file that is not a regular file as a located problem and loads the rest', async () => {
    const expected = hostileEntries()
    copyFileSync(join(REPO, 'scenarios', 'library', 'airport-stolen-phone.yaml'), join(dir, 'airport-stolen-phone.yaml'))
    const library = new ScenarioLibrary({
      dir,
      versionsDir: join(dir, '..', `${relative(tmpdir(), dir)}-versions`),
      rubric: loadRubric(join(REPO, 'scenarios', 'rubric.yaml')),
      parse: async (bytes, file) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file),
    })
    try {
      await library.load()
      expect(library.list().map((s) => s.id)).toEqual(['airport-stolen-phone'])
      const problems = library.problems()
      expect(problems).toHaveLength(Object.keys(expected).length)
      for (const [name, message] of Object.entries(expected)) {
        const problem = problems.find((p) => p.file.endsWith(name))
        expect(problem, name).toBeDefined()
        expect(problem!.errors).toHaveLength(1)
        expect(problem!.errors[0]!.startsWith(`${problem!.file}:1:1: `), name).toBe(true)
        expect(problem!.errors[0]!.slice(`${problem!.file}:1:1: `.length), name).toMatch(message)
      }
    } finally {
      library.close()
      rmSync(join(dir, '..', `${relative(tmpdir(), dir)}-versions`), { recursive: true, force: true })
    }
  })

  it('lists a library "folder" that is a file as a problem instead of failing to start', async () => {
    writeFileSync(join(dir, 'not-a-folder'), 'x')
    const library = new ScenarioLibrary({
      dir: join(dir, 'not-a-folder'),
      versionsDir: join(dir, 'versions'),
      rubric: loadRubric(join(REPO, 'scenarios', 'rubric.yaml')),
      parse: async (bytes, file) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file),
    })
    try {
      await library.load()
      expect(library.list()).toEqual([])
      expect(library.problems()).toMatchObject([{ errors: [expect.stringMatching(/not-a-folder:1:1: the scenario library folder cannot be listed \(ENOTDIR\)/)] }])
    } finally {
      library.close()
    }
  })

  it('refuses a rubric that is a FIFO with a sentence instead of hanging', () => {
    execFileSync('mkfifo', [join(dir, 'rubric.yaml')])
    expect(() => loadRubric(join(dir, 'rubric.yaml'))).toThrow(/^Cannot read the rubric at .*rubric\.yaml: this is a named pipe \(FIFO\)/)
  })
})

describe('golden transcripts in the worker', () => {
  const parser = new ScenarioParser()
  afterEach(() => parser.close())

  it('refuses aliases with a located problem instead of throwing', async () => {
    const text = 'scenario: x\ntranscripts:\n  - &t { name: a }\n  - *t\n'
    expect(await parser.parseYaml(Buffer.from(text), 'x.transcripts.yaml')).toEqual({
      ok: false,
      errors: [{ file: 'x.transcripts.yaml', line: 4, col: 5, path: '', message: 'YAML aliases (&/*) are not allowed in this file' }],
    })
  })

  it('refuses custom tags, deep nesting, oversized text, and gives plain data otherwise', async () => {
    const firstError = async (text: string) => {
      const result = await parser.parseYaml(Buffer.from(text), 't.yaml')
      expect(result.ok).toBe(false)
      return result.ok ? null : result.errors[0]
    }
    expect(await firstError('a: !!js/function "x"\n')).toMatchObject({ line: 1, col: 4, message: expect.stringMatching(/js\/function/) })
    expect(await firstError('a: !!binary aGk=\n')).toMatchObject({ line: 1, message: expect.stringMatching(/binary/) })
    expect(await parser.parseYaml(Buffer.from('['.repeat(5_000)), 't.yaml')).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/nesting is deeper than 64 levels/) }] })
    expect(await parser.parseYaml(Buffer.from('x'.repeat(300 * 1024)), 't.yaml')).toMatchObject({ ok: false, errors: [{ line: 1, col: 1, message: expect.stringMatching(/too large/) }] })
    expect(await parser.parseYaml(Buffer.from('scenario: x\nlist: [1, two]\n'), 't.yaml')).toEqual({ ok: true, value: { scenario: 'x', list: [1, 'two'] } })
  })
})
