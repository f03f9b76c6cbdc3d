import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { LAUNCH_ENV, resolveBrowser, systemProbe, type LaunchChoice } from './support/browser'
import { HOSTILE_SCENARIO_FILE, HOSTILE_SCENARIO_YAML } from './support/hostile'

/**
 * Chooses the browser (support/browser.ts), builds the renderer when the
 * build is older than its sources, then starts three
 * bridges on the real services, each over a fresh temp data dir:
 *   PRETEXT_E2E_URL          the real scenarios/ folder
 *   PRETEXT_E2E_HOSTILE_URL  a copy of the library plus one hostile file (spec c);
 *                            PRETEXT_E2E_HOSTILE_LIBRARY is that copy's folder (the workbench spec edits it)
 *   PRETEXT_E2E_REVIEW_URL   eight weeks of a team's calls, some reviewed, and one
 *                            session whose stored decisions were edited (support/seedReview.ts)
 * Returns the teardown that stops both and removes the temp dirs.
 */

const repoRoot = path.resolve(__dirname, '..', '..')
const rendererDir = path.join(repoRoot, 'out', 'renderer')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs)
  }
  return newest
}

function ensureBuild(): void {
  const index = path.join(rendererDir, 'index.html')
  const sources = Math.max(
    newestMtime(path.join(repoRoot, 'src-renderer')),
    newestMtime(path.join(repoRoot, 'src-core')),
    statSync(path.join(repoRoot, 'electron.vite.config.ts')).mtimeMs,
  )
  if (process.env['PRETEXT_E2E_SKIP_BUILD'] === '1' && existsSync(index)) return
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return
  console.log('[e2e] building with electron-vite (out/ is older than its sources)…')
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, stdio: 'inherit', env: process.env })
  if (result.status !== 0) throw new Error('electron-vite build failed; the e2e suite needs out/renderer')
}

function startServer(scenariosDir: string, dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    'npx',
    ['tsx', '--tsconfig', 'src-main/tsconfig.json', 'tests/e2e/support/serve.ts', '--renderer', rendererDir, '--scenarios', scenariosDir, '--data', dataDir],
    // stdin stays open as a lifeline: the server exits when this process goes away.
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: process.env },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`the e2e server did not start within 60 s\n${err}`)), 60_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (!line) return
      clearTimeout(timer)
      resolve({ url: (JSON.parse(line) as { url: string }).url, child })
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8')
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the e2e server exited with code ${code}\n${err}`))
    })
  })
}

function hostileScenariosDir(root: string): string {
  const dir = path.join(root, 'scenarios')
  const library = path.join(dir, 'library')
  mkdirSync(library, { recursive: true })
  copyFileSync(path.join(repoRoot, 'scenarios', 'rubric.yaml'), path.join(dir, 'rubric.yaml'))
  for (const name of readdirSync(path.join(repoRoot, 'scenarios', 'library'))) {
    if (name.endsWith('.yaml')) copyFileSync(path.join(repoRoot, 'scenarios', 'library', name), path.join(library, name))
  }
  writeFileSync(path.join(library, HOSTILE_SCENARIO_FILE), HOSTILE_SCENARIO_YAML)
  return dir
}

export interface ReviewSeed {
  tamperedSessionId: string
  editedSeq: number
  sessions: number
}

/** The review screens' data folder (support/seedReview.ts), written before its bridge opens it. */
function seedReview(dataDir: string): Promise<ReviewSeed> {
  const child = spawn(
    'npx',
    ['tsx', '--tsconfig', 'src-main/tsconfig.json', 'tests/e2e/support/seedReview.ts', '--scenarios', path.join(repoRoot, 'scenarios'), '--data', dataDir],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  )
  let out = ''
  let err = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (code !== 0 || !line) reject(new Error(`could not seed the review data (exit ${code}):\n${err}`))
      else resolve(JSON.parse(line) as ReviewSeed)
    })
  })
}

/** Picks the browser once, says which, and passes it to the workers (playwright.config.ts reads it back). */
async function chooseBrowser(): Promise<void> {
  const browser = await resolveBrowser(systemProbe())
  console.log(`[e2e] browser: ${browser.description}`)
  const choice: LaunchChoice = { executablePath: browser.executablePath, args: browser.args }
  process.env[LAUNCH_ENV] = JSON.stringify(choice)
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  await chooseBrowser()
  ensureBuild()
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pretext-e2e-'))
  const reviewData = path.join(tmp, 'review-data')
  const servers = await Promise.all([
    startServer(path.join(repoRoot, 'scenarios'), path.join(tmp, 'data')),
    startServer(hostileScenariosDir(path.join(tmp, 'hostile')), path.join(tmp, 'hostile-data')),
    seedReview(reviewData).then(async (seed) => ({ ...(await startServer(path.join(repoRoot, 'scenarios'), reviewData)), seed })),
  ])
  process.env['PRETEXT_E2E_REVIEW_URL'] = servers[2].url
  process.env['PRETEXT_E2E_TAMPERED_SESSION'] = servers[2].seed.tamperedSessionId
  process.env['PRETEXT_E2E_TAMPERED_SEQ'] = String(servers[2].seed.editedSeq)
  process.env['PRETEXT_E2E_URL'] = servers[0].url
  process.env['PRETEXT_E2E_HOSTILE_URL'] = servers[1].url
  // The workbench spec edits files of this copy while its server watches it.
  process.env['PRETEXT_E2E_HOSTILE_LIBRARY'] = path.join(tmp, 'hostile', 'scenarios', 'library')

  return async () => {
    await Promise.all(
      servers.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve()
            child.removeAllListeners('exit')
            child.once('exit', () => resolve())
            child.kill('SIGTERM')
            setTimeout(() => {
              child.kill('SIGKILL')
              resolve()
            }, 5000).unref()
          }),
      ),
    )
    rmSync(tmp, { recursive: true, force: true })
  }
}
