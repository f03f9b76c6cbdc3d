import { problem, type PendingProblem, type ProblemPath } from './lint'
import type { Account, Choice, Scenario } from './schema'
import { PLACEHOLDER } from './variation'

/**
 * R2 on the console itself: the account's data appears only after two
 * factors, so no phrasing may carry it. Phrasings are on offer before the
 * caller is verified (a trap sits beside the good answer), and one that read
 * "Sure, I have you at 1450 Harbor View Drive" would show the trainee the
 * address the account panel still hides. A trap names the disclosure instead
 * ("Read the address on file to the caller") and is tagged `discloses` or
 * `pin-hint`, which is what the engine scores (R8).
 *
 * The check looks for the telling parts of each value the panel hides: runs
 * of four or more digits (a card's last four, a house number, a year, the
 * account number and PIN, also when written digit by digit), two words of it
 * in a row ("Harbor View", "June 2019"), and the email address. It reads the
 * values with every variant alternative they may take, and refuses a phrasing
 * that writes a variant the account's data is made of.
 */

/** The values the account panel hides until two factors pass, with the words a problem names them by. */
const HIDDEN_FIELDS: ReadonlyArray<{ label: string; value: (a: Account) => string | undefined | null }> = [
  { label: 'postal address', value: (a) => a.address },
  { label: 'date of birth', value: (a) => a.dob },
  { label: 'SSN last 4', value: (a) => a.ssnLast4 },
  { label: 'card on file', value: (a) => a.cardLast4 },
  { label: 'account number', value: (a) => a.accountNumber },
  { label: 'PIN', value: (a) => a.pin },
  { label: 'email address', value: (a) => a.email.address },
  { label: 'activation date', value: (a) => a.activationDate },
  { label: 'last payment', value: (a) => a.lastPayment },
  { label: 'device', value: (a) => a.device.model },
  { label: 'IMEI', value: (a) => a.device.imei },
]

/** Words that any address or date may share with ordinary speech, so two of them in a row prove nothing. */
const COMMON_WORDS = new Set(['the', 'and', 'of', 'on', 'at', 'in', 'apt', 'apartment', 'unit', 'suite', 'flat', 'floor', 'drive', 'street', 'st', 'road', 'rd', 'avenue', 'ave', 'lane', 'ln', 'way', 'court', 'ct', 'place', 'pl', 'boulevard', 'blvd'])

/** Lower-case words and numbers, digits read out one by one ("4 4 0 9") joined into one number. */
function tokens(text: string): string[] {
  const joined = text.toLowerCase().replace(/(?<!\d)\d(?!\d)(?:[\s-]\d(?!\d))+/g, (m) => m.replace(/[\s-]/g, ''))
  return joined.match(/[a-z]+(?:-[a-z]+)*|\d+/g) ?? []
}

/** The parts of a value that give it away when a phrasing contains them. */
function tellingParts(value: string): { numbers: string[]; pairs: string[]; email: string | null } {
  const words = tokens(value)
  const numbers = (value.match(/\d+(?:[\s.-]\d+)*/g) ?? []).flatMap((group) => {
    const runs = group.split(/[\s.-]/).filter((d) => d.length >= 4)
    const whole = group.replace(/\D/g, '')
    return whole.length >= 4 && !runs.includes(whole) ? [...runs, whole] : runs
  })
  const email = value.includes('@') ? value.trim().toLowerCase() : null
  const pairs: string[] = []
  // An email's words are the holder's name and a domain, both fine to say: only the address itself tells.
  for (let i = 0; !email && i + 1 < words.length; i++) {
    const [a, b] = [words[i]!, words[i + 1]!]
    if (COMMON_WORDS.has(a) && COMMON_WORDS.has(b)) continue
    pairs.push(`${a} ${b}`)
  }
  return { numbers: [...new Set(numbers)], pairs, email }
}

/** The part of `value` that `text` gives away, or null. */
export function revealed(text: string, value: string): string | null {
  const parts = tellingParts(value)
  const said = tokens(text)
  const saidText = ` ${said.join(' ')} `
  const number = parts.numbers.find((n) => said.some((t) => t.includes(n)))
  if (number) return number
  const pair = parts.pairs.find((p) => saidText.includes(` ${p} `))
  if (pair) return pair
  if (parts.email) {
    const local = parts.email.slice(0, parts.email.indexOf('@'))
    if (text.toLowerCase().includes(parts.email) || (local.length >= 3 && text.toLowerCase().includes(`${local}@`))) return parts.email
  }
  return null
}

/** A text with each placeholder replaced by each of its alternatives (at most `limit` of them). */
function realisations(text: string, variants: Scenario['variants'], limit = 200): string[] {
  const match = PLACEHOLDER.exec(text)
  PLACEHOLDER.lastIndex = 0
  if (!match) return [text]
  const alternatives = variants[match[1]!] ?? ['']
  const out: string[] = []
  for (const alternative of alternatives) {
    for (const rest of realisations(text.slice(match.index + match[0].length), variants, limit)) {
      out.push(text.slice(0, match.index) + alternative + rest)
      if (out.length >= limit) return out
    }
  }
  return out
}

function placeholdersOf(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!)
}

/**
 * The hidden field `text` gives away, and the part of it that does; null when
 * none. For a realised account (a session's variants filled in); the console
 * view's tests read every reachable view with it.
 */
export function accountDataIn(text: string, account: Account): { label: string; part: string } | null {
  for (const { label, value } of HIDDEN_FIELDS) {
    const written = value(account)
    const part = written ? revealed(text, written) : null
    if (part) return { label, part }
  }
  return null
}

/** Every phrasing that would show the account's hidden data on the console, located at its text. */
export function accountDataProblems(scenario: Scenario): PendingProblem[] {
  const hidden = HIDDEN_FIELDS.flatMap(({ label, value }) => {
    const written = value(scenario.account)
    return written ? [{ label, written, values: realisations(written, scenario.variants) }] : []
  })
  const phrasings: Array<{ choice: Choice; at: ProblemPath }> = [
    ...scenario.choices.map((choice, i) => ({ choice, at: ['choices', i, 'text'] as ProblemPath })),
    ...Object.entries(scenario.beats).flatMap(([beat, b]) => b.choices.map((choice, i) => ({ choice, at: ['beats', beat, 'choices', i, 'text'] as ProblemPath }))),
  ]
  const hint = 'phrasings are on offer before the caller is verified; name the act instead, e.g. "Read the address on file to the caller", and tag it [discloses] (or [pin-hint])'
  const out: PendingProblem[] = []
  for (const { choice, at } of phrasings) {
    const shared = hidden.find((h) => placeholdersOf(choice.text).some((p) => placeholdersOf(h.written).includes(p)))
    if (shared) {
      out.push(problem('error', at, `phrasing '${choice.id}' writes a variant of the account's ${shared.label}, so the console would show it before the caller is verified (R2)`, hint))
      continue
    }
    const texts = realisations(choice.text, scenario.variants)
    for (const h of hidden) {
      const part = texts.flatMap((t) => h.values.map((v) => revealed(t, v))).find((p) => p !== null)
      if (part) {
        out.push(problem('error', at, `phrasing '${choice.id}' shows the account's ${h.label} ("${part}") on the console before the caller is verified (R2)`, hint))
        break
      }
    }
  }
  return out
}
