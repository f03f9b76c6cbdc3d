import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeFileAtomic } from './atomicWrite'
import { makeTempDir } from './testing/storeFixtures'

const REPO_ROOT = resolve(__dirname, '..', '..')
const CHILD = join(__dirname, 'testing', 'atomicWriteChild.ts')
/** The conventional unprivileged uid/gid on Linux. */
const NOBODY = 65534

let dir: string
let cleanup: () => void
beforeEach(() => ({ dir, cleanup } = makeTempDir('pretext-atomic-')))
afterEach(() => cleanup())

describe('writeFileAtomic', () => {
  it('writes a new file and leaves nothing else behind', async () => {
    const target = join(dir, 'export.json')
    await writeFileAtomic(target, '{"ok":true}')
    expect(readFileSync(target, 'utf8')).toBe('{"ok":true}')
    expect(readdirSync(dir)).toEqual(['export.json'])
  })

  it('replaces an existing file whole, with bytes as given', async () => {
    const target = join(dir, 'bundle.bin')
    writeFileSync(target, 'old content that is longer than the new one')
    await writeFileAtomic(target, new Uint8Array([0, 1, 2, 255]))
    expect([...readFileSync(target)]).toEqual([0, 1, 2, 255])
    expect(readdirSync(dir)).toEqual(['bundle.bin'])
  })

  it('fails into a directory that does not exist, creating nothing', async () => {
    const missing = join(dir, 'no-such-folder', 'export.json')
    await expect(writeFileAtomic(missing, 'data')).rejects.toMatchObject({ code: 'ENOENT' })
    expect(readdirSync(dir)).toEqual([])
  })

  it('removes its temporary file when the rename fails, leaving the target as it was', async () => {
    // The target is a non-empty directory: the temp file is written and
    // fsynced, then rename() fails, which exercises the clean-up path.
    const target = join(dir, 'taken')
    mkdirSync(target)
    writeFileSync(join(target, 'keep.txt'), 'keep')
    await expect(writeFileAtomic(target, 'data')).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST|EPERM)$/) })
    expect(readdirSync(dir)).toEqual(['taken'])
    expect(readdirSync(target)).toEqual(['keep.txt'])
  })

  it('removes its temporary file when writing the data fails, and keeps the old target', async () => {
    const target = join(dir, 'report.json')
    writeFileSync(target, 'previous report')
    await expect(writeFileAtomic(target, 12345 as unknown as string)).rejects.toThrow()
    expect(readFileSync(target, 'utf8')).toBe('previous report')
    expect(readdirSync(dir)).toEqual(['report.json'])
  })

  // Root ignores directory permissions, and CI runs as root: the write runs in a
  // child that drops to an unprivileged user there, so this case can fail in CI too.
  it.runIf(process.platform !== 'win32')('fails in a read-only directory without leaving a partial file', () => {
    const readOnly = join(dir, 'ro')
    mkdirSync(readOnly)
    writeFileSync(join(readOnly, 'export.json'), 'old')
    chmodSync(readOnly, 0o555)
    // The unprivileged child must be able to reach the folder.
    chmodSync(dir, 0o755)
    const asRoot = process.getuid?.() === 0
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, join(readOnly, 'export.json')], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, TSX_TSCONFIG_PATH: join(REPO_ROOT, 'src-main', 'tsconfig.json') },
        ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      })
      expect(child.stderr).toBe('')
      expect(JSON.parse(child.stdout.trim())).toEqual({ ok: false, code: 'EACCES' })
      expect(readdirSync(readOnly)).toEqual(['export.json'])
      expect(readFileSync(join(readOnly, 'export.json'), 'utf8')).toBe('old')
    } finally {
      chmodSync(readOnly, 0o755)
    }
  })
})
