import path from 'node:path'
import type { RunOptions, RunResult, System } from '../../scripts/electron/system'

/**
 * An in-memory machine for the start, native and dist steps: a file tree and
 * scripted programs. Each program sees the tree and may change it, as Electron's
 * installer or node-gyp would.
 */
export interface FakeCall {
  command: string
  args: readonly string[]
  options: RunOptions
}

export type FakeProgram = (call: FakeCall, files: Map<string, Buffer>) => RunResult

export interface FakeSystem extends System {
  files: Map<string, Buffer>
  calls: FakeCall[]
  said: string[]
}

export function fakeSystem(
  initial: Record<string, string | Buffer>,
  program: FakeProgram = () => ({ status: 127, output: 'no such program', timedOut: false }),
  overrides: Partial<Pick<System, 'env' | 'platform' | 'arch'>> = {},
): FakeSystem {
  const files = new Map(Object.entries(initial).map(([file, content]) => [file, Buffer.from(content)]))
  const calls: FakeCall[] = []
  const said: string[] = []
  const under = (dir: string) => [...files.keys()].filter((file) => file.startsWith(dir + path.sep))
  return {
    env: {},
    platform: 'linux',
    arch: 'x64',
    execPath: '/usr/bin/node',
    ...overrides,
    files,
    calls,
    said,
    exists: (file) => files.has(file) || under(file).length > 0,
    read: (file) => files.get(file),
    copyPackage: (from, to) => {
      for (const file of under(from)) {
        const relative = path.relative(from, file)
        if (relative.split(path.sep)[0] !== 'build') files.set(path.join(to, relative), files.get(file)!)
      }
    },
    remove: (target) => {
      files.delete(target)
      for (const file of under(target)) files.delete(file)
    },
    replace: (from, to) => {
      for (const file of under(to)) files.delete(file)
      for (const file of under(from)) {
        files.set(path.join(to, path.relative(from, file)), files.get(file)!)
        files.delete(file)
      }
    },
    say: (line) => said.push(line),
    run: async (command, args, options) => {
      const call = { command, args, options }
      calls.push(call)
      return program(call, files)
    },
  }
}

/** The bytes of a Node addon as the ABI check sees them: the exported registration symbol among other strings. */
export function addon(abi: number): Buffer {
  return Buffer.from(`\x7fELF...sqlite3_open_v2\0node_register_module_v${abi}\0napi_module_register...`, 'latin1')
}
