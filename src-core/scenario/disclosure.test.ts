import { describe, expect, it } from 'vitest'
import { revealed } from './disclosure'
import { lintStructure, sourcePositions } from './lint'
import { loadScenarioText } from './loader'

/** A fishing call whose phrasings are written from line 29 on; `choices` fills them in. */
function fishing(choices: string, variants = ''): string {
  return `schemaVersion: 2
id: fishing
title: Fishing
summary: A caller fishes for the address on file.
tier: 1
caller: fraud
${variants}request:
  kind: change-address
  target: 22 Willow Lane
  summary: Update my address
account:
  holder: Evelyn Brandt
  line: "+1 555 0127 856"
  pin: "604218"
  dob: February 27, 1988
  address: 1450 Harbor View Drive, Apt 12, Lakeside
  cardLast4: "1847"
  activationDate: June 2019
  email: { address: evelyn.brandt@example.org }
  device: { model: Pixel 7, sim: physical }
callerFacts:
  identity: impostor
  callingFrom: { number: "+1 555 0174 330" }
beats:
  opening:
    say: Which address do you have for me?
    choices:
${choices}
    on:
      - action: deny
        goto: bye
  bye:
    ending: { outcome: denied, summary: Refused. }
`
}

const errorsOf = (text: string) => lintStructure(loadScenarioText(text, 'fishing.yaml'), { source: sourcePositions(text) }).filter((p) => p.severity === 'error')

describe('phrasings never show the account data the panel hides (R2)', () => {
  it('refuses a trap that reads the address out, located at its text, and says what to write instead', () => {
    const errors = errorsOf(fishing(`      - id: read-address
        text: Sure, I have you at 1450 Harbor View Drive, Apartment 12.
        tags: [discloses]`))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ path: 'beats.opening.choices[0].text', line: 29, col: 15 })
    expect(errors[0]!.message).toBe(`phrasing 'read-address' shows the account's postal address ("1450") on the console before the caller is verified (R2)`)
    expect(errors[0]!.hint).toContain('"Read the address on file to the caller"')
  })

  it('accepts the same trap written as the act it names', () => {
    expect(errorsOf(fishing(`      - id: read-address
        text: Read the address on file to the caller.
        tags: [discloses]
      - id: no-read-back
        text: I can't read out or confirm anything until you're verified, for your protection.
        tags: [explains-why, protective]`))).toEqual([])
  })

  it('catches partial data: a street name, digits read one by one, a year, the email address, a device', () => {
    const cases: Array<[string, string]> = [
      ["I can't read it out, but it's the one on Harbor View.", 'postal address ("harbor view")'],
      ['It ends 1 8 4 7.', 'card on file ("1847")'],
      ["That's right, since June 2019.", 'activation date ("2019")'],
      ['We have evelyn.brandt@example.org on file.', 'email address ("evelyn.brandt@example.org")'],
      ['I see the Pixel 7 on the account.', 'device ("pixel 7")'],
      ['Is your PIN 6 0 4 2 1 8?', 'PIN ("604218")'],
    ]
    for (const [text, shows] of cases) {
      const [error] = errorsOf(fishing(`      - id: trap
        text: "${text}"
        tags: [discloses]`))
      expect(error?.message, text).toContain(`shows the account's ${shows}`)
    }
  })

  it('checks every phrasing, tagged or not, and the global ones too', () => {
    const text = fishing(`      - id: untagged
        text: Your birthday is February 27, isn't it?`).replace('beats:\n', 'choices:\n  - id: global-trap\n    text: The card ends 1847.\nbeats:\n')
    expect(errorsOf(text).map((e) => e.path)).toEqual(['choices[0].text', 'beats.opening.choices[0].text'])
  })

  it('leaves ordinary speech alone: the holder name, generic help, codes and times', () => {
    expect(
      errorsOf(fishing(`      - id: fine
        text: Thanks, Evelyn. A code is valid for 3 minutes, and any store can help with photo ID on Harbor Street.
        tags: [explains-why]`)),
    ).toEqual([])
  })

  it('reads the account with its variants, and refuses a phrasing that writes the variant the data is made of', () => {
    const variants = 'variants:\n  street: [Harbor View Drive, Maple Court]\n'
    const base = fishing(`      - id: trap
        text: You're on {street}, right?
        tags: [discloses]`, variants).replace('address: 1450 Harbor View Drive, Apt 12, Lakeside', 'address: "1450 {street}, Lakeside"')
    expect(errorsOf(base)[0]?.message).toBe(`phrasing 'trap' writes a variant of the account's postal address, so the console would show it before the caller is verified (R2)`)
    const spelled = base.replace("You're on {street}, right?", 'Is it the one on Maple Court?')
    expect(errorsOf(spelled)[0]?.message).toContain(`postal address ("maple court")`)
  })

  it('names the part of a value a text gives away', () => {
    expect(revealed('The account is 7700 4415 2093.', '7700 4415 2093')).toBe('7700')
    expect(revealed('The top-up checks out.', '$20 top-up yesterday')).toBeNull()
    expect(revealed('Thanks, Evelyn Brandt.', 'evelyn.brandt@example.org')).toBeNull()
    // Another number's groups run together are not the account number.
    expect(revealed('Code sent to +351 912 345 678.', '7700 1234 5678')).toBeNull()
  })
})
