/**
 * `scenarios new <id>`: a commented scenario and its golden transcripts that
 * pass `check` as written (the tests prove it), so an author starts from a
 * call that works and changes one thing at a time. The comments point at the
 * guide (scenarios/README.md) for each part.
 */
import { SCHEMA_VERSION } from '@core/scenario/schema'

export function scaffoldScenario(id: string, schemaPath = '../scenario.schema.json'): string {
  return `# yaml-language-server: $schema=${schemaPath}
# A new scenario. Everything below is a working call: run
#   npm run scenarios -- check <this folder>
# after each change. The guide is scenarios/README.md; the policy, tactics and
# catalogue are in docs/DOMAIN.md.
schemaVersion: ${SCHEMA_VERSION}
id: ${id}                              # = the file name
# What the trainee sees: the caller's request, never the tactic it tests.
title: A new SIM for a new phone
summary: >
  For authors and supervisors (may say who the caller really is): a caller
  without the PIN or the phone of record wants the number on a new SIM.
briefing: A caller wants their number moved to the SIM in their new phone.
tier: 1                                # 1 one tactic, 2 several, 3 chained or hard legitimate cases
caller: fraud                          # fraud | legitimate | ambiguous
tactics: [breach-data]                 # every tactic a beat or branch uses
rules: [R3, R4, R19, R20]
redFlags:                              # what a good agent notices (fraud only); shown in the report
  - Knows the date of birth but not the PIN, and cannot get a code on the phone of record
goodPractice: >
  Try the PIN and a code to the line of record; when neither works, deny the
  SIM change kindly, offer the store with photo ID, and note what happened.

request:                               # the high-risk transaction the caller is after (R1)
  kind: sim-change
  summary: Put my number on the SIM in my new phone

account:                               # what the console shows once the caller is verified (R2)
  holder: Jordan Avery
  line: "+1 555 0100 200"
  pin: "271828"
  dob: May 2, 1990
  address: 12 Birch Street, Riverton
  email: { address: jordan.avery@example.com }
  device: { model: Pixel 7, sim: physical }

callerFacts:                           # the ground truth the trainee cannot see
  identity: impostor
  callingFrom: { number: "+1 555 0188 311", networkVerified: false }
  knows: [name, line, dob]             # what they can answer correctly
  holds: [new-sim]                     # not the phone of record, not the inbox

beats:
  opening:                             # the first beat written is the start
    say: Hi, I just got a new phone. Can you move my number onto its SIM?
    on:
      - action: ask-pin
        say: I don't remember setting a PIN. My date of birth is May 2nd, 1990, if that helps?
        tactics: [breach-data]
      - action: send-otp
        with: { to: line-of-record }
        say: The old phone is broken, it won't turn on.
      - action: deny
        goto: pushback

  pushback:
    say: Really? I know my date of birth, isn't that enough?
    choices:                           # phrasings the trainee may pick here: one good, one trap
      - id: store-with-id
        text: I'm sorry, I can't move the number without the PIN or a code to your phone. That's to protect you. Any Northwind store can do it in minutes with your photo ID.
        tags: [empathy, explains-why, next-steps, safe-path]
      - id: just-policy
        text: Policy is policy.
        tags: [unprofessional]
    on:
      - action: say
        with: { choice: store-with-id }
        say: Okay, I'll go to the store then.

  swapped:
    say: Great, thanks!
    ending:
      outcome: fraud-succeeded
      summary: Jordan's number is on the caller's SIM.

on:                                    # tried in every beat, after the beat's own
  - action: ask-knowledge
    tactics: [breach-data]
  - action: perform-hrt
    goto: swapped
`
}

export function scaffoldTranscripts(id: string): string {
  return `# Golden transcripts for ${id}: each is a call and the report it must
# produce. \`check\` replays every one and says NOT MET, with the difference,
# when the report is not the one written here. The format is in
# scenarios/README.md ("Golden transcripts").
scenario: ${id}
transcripts:
  - name: deny-with-store-path
    description: PIN and code both fail; the change is denied kindly, the store is offered and the note written.
    kind: good
    actions:
      - check-account
      - ask-pin
      - send-otp: line-of-record
      - deny
      - say: store-with-id
      - offer-safe-path: store-with-id
      - offer-safe-path: lock-enrolment
      - note: { items: [factors, outcome, red-flags], text: "No PIN; code to line of record not received. Knew DOB only. SIM change denied; store with photo ID offered." }
      - end-call
    expect:
      compliance: pass
      score: 100
      outcome: denied-with-safe-path
      exactDeductions: true

  - name: swap-on-date-of-birth
    description: The agent takes the date of birth as proof and changes the SIM. A date of birth is not a factor (R3).
    kind: mistake
    actions:
      - check-account
      - ask-knowledge: dob
      - perform-hrt: { kind: sim-change, notify: true, hold: true }
    expect:
      compliance: fail
      score: 0
      criticalFailures: [CF1]
`
}
