import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { z } from 'zod'
import { ApiError } from '@core/api/methods'
import { writeFileAtomic } from './atomicWrite'

/**
 * The passphrase in front of supervisor mode. On one shared desktop this
 * separates roles, not people who own the disk: whoever can edit the data
 * folder can replace this file. What it does promise: the passphrase is never
 * stored (scrypt, per-install salt), it is compared in constant time, and
 * guessing is slowed by a delay that doubles after each wrong attempt and
 * survives a restart (the count is kept in the same file).
 */

/** OWASP's scrypt floor (N=2^15, r=8, p=1); about 100 ms here, once per unlock. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const satisfies ScryptOptions
const KEY_LENGTH = 32
export const MIN_PASSPHRASE_LENGTH = 8
/** The first wrong attempt costs 1 s, each further one doubles it, up to 5 minutes. */
const FIRST_DELAY_MS = 1_000
const MAX_DELAY_MS = 5 * 60_000

const LockFileSchema = z.strictObject({
  version: z.literal(1),
  salt: z.string().regex(/^[0-9a-f]{32}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  failures: z.number().int().min(0),
  lastFailureAt: z.number().nullable(),
})
type LockFile = z.infer<typeof LockFileSchema>

export interface SupervisorLockOptions {
  /** The JSON file that holds the salt, the hash and the failure count. */
  file: string
  clock?: () => number
}

export type UnlockResult = { ok: true } | { ok: false; retryInMs: number; message: string }

function derive(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(passphrase.normalize('NFKC'), salt, KEY_LENGTH, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  )
}

/** How long after `failures` consecutive wrong attempts the next one is refused without being checked. */
export function delayAfter(failures: number): number {
  if (failures <= 0) return 0
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - 1), MAX_DELAY_MS)
}

function seconds(ms: number): string {
  const s = Math.ceil(ms / 1000)
  return s === 1 ? '1 second' : `${s} seconds`
}

export class SupervisorLock {
  private readonly clock: () => number

  constructor(private readonly options: SupervisorLockOptions) {
    this.clock = options.clock ?? Date.now
  }

  /** False until a supervisor sets the passphrase on first use. */
  isSet(): boolean {
    return existsSync(this.options.file)
  }

  /** Sets the passphrase on first use, or changes it given the current one. */
  async setPassphrase(next: string, current?: string): Promise<void> {
    if (next.length < MIN_PASSPHRASE_LENGTH) {
      throw new ApiError('invalid-argument', `The passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters.`)
    }
    if (this.isSet()) {
      if (current === undefined) throw new ApiError('forbidden', 'A supervisor passphrase is already set: give the current one to change it.')
      const unlocked = await this.unlock(current)
      if (!unlocked.ok) throw new ApiError('forbidden', unlocked.message)
    }
    const salt = randomBytes(16)
    const hash = await derive(next, salt)
    await this.write({ version: 1, salt: salt.toString('hex'), hash: hash.toString('hex'), failures: 0, lastFailureAt: null })
  }

  /**
   * Checks a passphrase. While the delay after earlier wrong attempts runs,
   * the attempt is refused without being checked, so guessing cannot go faster
   * than the delay allows.
   */
  async unlock(passphrase: string): Promise<UnlockResult> {
    const state = this.read()
    const now = this.clock()
    if (state.lastFailureAt !== null) {
      const retryInMs = state.lastFailureAt + delayAfter(state.failures) - now
      if (retryInMs > 0) return { ok: false, retryInMs, message: `Too many wrong passphrases: try again in ${seconds(retryInMs)}.` }
    }
    const key = await derive(passphrase, Buffer.from(state.salt, 'hex'))
    if (timingSafeEqual(key, Buffer.from(state.hash, 'hex'))) {
      if (state.failures > 0) await this.write({ ...state, failures: 0, lastFailureAt: null })
      return { ok: true }
    }
    const failures = state.failures + 1
    await this.write({ ...state, failures, lastFailureAt: now })
    const retryInMs = delayAfter(failures)
    return { ok: false, retryInMs, message: `That passphrase is not right. You can try again in ${seconds(retryInMs)}.` }
  }

  private read(): LockFile {
    if (!this.isSet()) throw new ApiError('not-found', 'No supervisor passphrase is set yet: set one first.')
    let raw: unknown
    try {
      raw = JSON.parse(readFileSync(this.options.file, 'utf8'))
    } catch {
      raw = undefined
    }
    const parsed = LockFileSchema.safeParse(raw)
    if (!parsed.success) {
      throw new ApiError('storage', `The supervisor passphrase file ${this.options.file} is damaged. Restore it from a backup, or remove it to set a new passphrase.`)
    }
    return parsed.data
  }

  private async write(state: LockFile): Promise<void> {
    await writeFileAtomic(this.options.file, `${JSON.stringify(state)}\n`)
  }
}
