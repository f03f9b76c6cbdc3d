import { spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { serveApp } from './serveApp'

/**
 * `npm run preview`: the built renderer in a browser, on the real services,
 * through the loopback bridge. `electron-vite build` runs first (see the
 * package.json script); this file builds nothing.
 *
 *   --port N     listen on N instead of a free port
 *   --no-open    print the address without opening a browser
 *
 * PRETEXT_DATA_DIR overrides where the preview keeps its database (default:
 * a pretext-preview folder in the OS temp dir, apart from the app's own data).
 */

const repoRoot = path.resolve(__dirname, '..', '..')
const rendererDir = path.join(repoRoot, 'out', 'renderer')
const scenariosDir = path.join(repoRoot, 'scenarios')

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}

function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) return
  const child = spawn(command, [url], { detached: true, stdio: 'ignore' })
  child.on('error', () => undefined)
  child.unref()
}

async function main(): Promise<void> {
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`No built renderer at ${rendererDir}. Run "npm run preview" (it builds first) or "npx electron-vite build".`)
  }
  const dataDir = process.env['PRETEXT_DATA_DIR'] ?? path.join(os.tmpdir(), 'pretext-preview')
  mkdirSync(dataDir, { recursive: true })
  const portText = option('--port')
  const port = portText === undefined ? 0 : Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port expects 0-65535, got "${portText}"`)

  const { url } = await serveApp({ rendererDir, scenariosDir, dataDir, port })

  console.log(`Pretext preview: ${url}`)
  console.log(`  data: ${dataDir}`)
  console.log('  Ctrl+C to stop.')
  if (!process.argv.includes('--no-open') && !process.env['CI']) openInBrowser(url)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
