/**
 * `npm start` (and `npm run dev` with --dev): Electron where it can be had,
 * the same app in the browser where it cannot.
 *
 * 1. prepareElectron: Electron's binary (its own install.js) and better-sqlite3
 *    built and ABI-checked for it (scripts/electron/).
 * 2. Ready: electron-vite preview (or dev), which builds and launches the app.
 *    Not ready: one paragraph saying what failed, why and what to do, then
 *    exactly what `npm run preview` runs: build, then src-main/bridge/preview.ts.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { browserFallbackNotice, prepareElectron } from './electron/prepare'
import { realSystem } from './electron/system'

const repoRoot = path.resolve(__dirname, '..')
const electronVite = path.join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
const tsxCli = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs')

/** Runs a child with the terminal, passing Ctrl+C on, and exits with its code. */
function handOver(args: string[]): void {
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

async function main(): Promise<void> {
  const dev = process.argv.includes('--dev')
  const system = realSystem()
  const readiness = await prepareElectron(system, repoRoot)
  if (readiness.ready) {
    handOver([electronVite, dev ? 'dev' : 'preview'])
    return
  }

  console.error(`\n${browserFallbackNotice(readiness.refusal)}\n`)
  console.error('Building the app for the browser...')
  const build = await system.run(process.execPath, [electronVite, 'build'], { cwd: repoRoot, env: process.env, timeoutMs: 10 * 60_000 })
  if (build.status !== 0) {
    console.error(build.output)
    console.error('The build failed (output above), so there is nothing to serve. Fix the error and run "npm start" again.')
    process.exit(1)
  }
  handOver([tsxCli, '--tsconfig', path.join(repoRoot, 'src-main', 'tsconfig.json'), path.join(repoRoot, 'src-main', 'bridge', 'preview.ts'), ...process.argv.slice(2).filter((arg) => arg !== '--dev')])
}

main().catch((error: unknown) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
