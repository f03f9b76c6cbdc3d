/**
 * Deterministic randomness. A session's seed arrives with its start, and every
 * "random" value (the digits of a one-time code) is a pure function of the
 * seed and a counter, so replaying the log reproduces the call exactly.
 */

/** A 32-bit hash of (seed, n): splitmix-style mixing, good enough for simulated codes. */
export function mix32(seed: number, n: number): number {
  let x = (seed ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

/** The six digits of the n-th one-time code sent in a session. */
export function otpCode(seed: number, n: number): string {
  return String(mix32(seed, n) % 1_000_000).padStart(6, '0')
}

/** mulberry32: a seeded stream of numbers in [0, 1), for tests and generated data a failing run can repeat from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
