import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'

/**
 * The slice of the machine the start, native and dist steps touch: files and
 * child processes. The steps take it as an argument, so tests hand them a fake
 * Electron layout (an in-memory tree and scripted child processes) and the
 * scripts hand them `realSystem()`.
 */
export interface System {
  readonly env: NodeJS.ProcessEnv
  readonly platform: NodeJS.Platform
  readonly arch: string
  /** The Node running the scripts (child steps run under the same one). */
  readonly execPath: string
  exists(file: string): boolean
  /** The file's bytes, or undefined when it is not there. */
  read(file: string): Buffer | undefined
  /** Copies a package folder, leaving out its build/ output. */
  copyPackage(from: string, to: string): void
  remove(target: string): void
  /** Moves a finished folder into place, replacing what was there. */
  replace(from: string, to: string): void
  /** One progress line for the person waiting (stderr, so stdout stays for results). */
  say(line: string): void
  /** Runs a command to completion, collecting its output instead of showing it. */
  run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult>
}

export interface RunOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  timeoutMs: number
}

export interface RunResult {
  /** null when it was killed (timeout) or could not start. */
  status: number | null
  output: string
  timedOut: boolean
  /** Set when the command could not start at all. */
  startError?: string
}

export function realSystem(): System {
  return {
    env: process.env,
    platform: process.platform,
    arch: process.arch,
    execPath: process.execPath,
    exists: existsSync,
    read: (file) => {
      try {
        return readFileSync(file)
      } catch {
        return undefined
      }
    },
    copyPackage: (from, to) => {
      const build = path.join(from, 'build')
      mkdirSync(path.dirname(to), { recursive: true })
      cpSync(from, to, { recursive: true, filter: (source) => source !== build && !source.startsWith(build + path.sep) })
    },
    say: (line) => console.error(line),
    remove: (target) => rmSync(target, { recursive: true, force: true }),
    replace: (from, to) => {
      rmSync(to, { recursive: true, force: true })
      renameSync(from, to)
    },
    run: (command, args, options) =>
      new Promise((resolve) => {
        let output = ''
        let timedOut = false
        const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
        const collect = (chunk: Buffer): void => {
          output += chunk.toString('utf8')
        }
        child.stdout.on('data', collect)
        child.stderr.on('data', collect)
        const timer = setTimeout(() => {
          timedOut = true
          child.kill('SIGKILL')
        }, options.timeoutMs)
        child.on('error', (error) => {
          clearTimeout(timer)
          resolve({ status: null, output, timedOut, startError: error.message })
        })
        child.on('close', (code) => {
          clearTimeout(timer)
          resolve({ status: code, output, timedOut })
        })
      }),
  }
}
