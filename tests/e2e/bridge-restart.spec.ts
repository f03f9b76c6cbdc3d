import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { startCall } from './support/console'

/**
 * Issue 8, found item 8: after the preview server restarted, the open page
 * stayed on "Missing or wrong bridge token" until reloaded by hand. The new
 * server has a new token; the page now reads it again (src-renderer/src/api.ts)
 * and carries on, without a reload.
 */

const repoRoot = path.resolve(__dirname, '..', '..')

function startServer(dataDir: string, port?: number): Promise<{ url: string; child: ChildProcess }> {
  const args = ['tsx', '--tsconfig', 'src-main/tsconfig.json', 'tests/e2e/support/serve.ts', '--renderer', path.join(repoRoot, 'out', 'renderer')]
  args.push('--scenarios', path.join(repoRoot, 'scenarios'), '--data', dataDir, ...(port === undefined ? [] : ['--port', String(port)]))
  const child = spawn('npx', args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: process.env })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, child })
    })
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
    child.on('exit', (code) => reject(new Error(`the server exited with code ${code}\n${err}`)))
  })
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

test('after the preview server restarts, the open page reconnects by itself', async ({ page }) => {
  test.setTimeout(120_000)
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pretext-e2e-restart-'))
  let server = await startServer(dataDir)
  try {
    await page.goto(server.url)
    await expect(page.getByRole('heading', { name: 'Start a training call' })).toBeVisible()
    // Marks this very page: a reload would lose it.
    await page.evaluate(() => ((globalThis as unknown as { restartMark: number }).restartMark = 1))

    const port = Number(new URL(server.url).port)
    await stop(server.child)
    server = await startServer(dataDir, port)

    // Picking a profile and taking a call goes through the new server (new token).
    await startCall(page, 'Stolen phone at the gate')
    await expect(page.getByText(/bridge token|reload the page/i)).toHaveCount(0)
    expect(await page.evaluate(() => (globalThis as unknown as { restartMark?: number }).restartMark)).toBe(1)
  } finally {
    await stop(server.child)
    rmSync(dataDir, { recursive: true, force: true })
  }
})
