// The fixed vocabularies a scenario file may use. Each list is the single
// source for the zod schema, the JSON Schema, the linter's suggestions and the
// console's labels, so adding a word here adds it everywhere.

export const TACTICS = [
  'urgency',
  'sympathy',
  'authority-staff',
  'authority-police',
  'intimidation',
  'breach-data',
  'pre-staged-knowledge',
  'read-back-fishing',
  'claimed-enrolment-error',
  'otp-relay',
  'agent-shopping',
  'caller-id-spoofing',
  'contact-pivot',
  'insider-bribery',
  'third-party-coaching',
  'fake-id',
] as const
export type Tactic = (typeof TACTICS)[number]

export const RULE_IDS = Array.from({ length: 21 }, (_, i) => `R${i + 1}`) as readonly string[]

export const CALLER_TYPES = ['fraud', 'legitimate', 'ambiguous'] as const
export type CallerType = (typeof CALLER_TYPES)[number]

/** Every action the trainee can take on the console. Each is its own event type. */
export const AGENT_ACTIONS = [
  'ask-pin',
  'send-otp',
  'use-caller-id',
  'ask-knowledge',
  'confirm-detail',
  'check-account',
  'callback-verify',
  'suspend-line',
  'flag-account',
  'notify-customer',
  'escalate',
  'offer-safe-path',
  'deny',
  'perform-hrt',
  'cancel-order',
  'accept-offer',
  'say',
  'note',
  'end-call',
  // Added in format version 2; last, so the numbers the CLI's menu gives the others stay as they were.
  'ask-for-holder',
  // In store only (CHANNEL_ONLY_ACTIONS): scan and validate the photo ID the customer hands over, or only look at it (R3d, R14).
  'check-id',
] as const
export type AgentActionType = (typeof AGENT_ACTIONS)[number]

/** Which action each branch `with` key narrows: a key for another action means the branch never fires for this one. */
export const WITH_KEY_ACTION: Readonly<Record<string, AgentActionType>> = {
  to: 'send-otp',
  question: 'ask-knowledge',
  field: 'confirm-detail',
  team: 'escalate',
  path: 'offer-safe-path',
  kind: 'perform-hrt',
  method: 'check-id',
  choice: 'say',
}

/** Where a one-time code can be sent. Only the first two can ever be valid (R5). */
export const OTP_DESTINATIONS = ['line-of-record', 'email-of-record', 'calling-number', 'caller-supplied', 'new-sim'] as const
export type OtpDestination = (typeof OTP_DESTINATIONS)[number]

/** Questions that are NOT authentication factors (R3), though callers and agents often treat them as such. */
export const KNOWLEDGE_QUESTIONS = [
  'dob',
  'ssn-last4',
  'address',
  'zip',
  'account-number',
  'bill-amount',
  'last-payment',
  'call-log',
  'activation-date',
  'imei',
  'email-address',
] as const
export type KnowledgeQuestion = (typeof KNOWLEDGE_QUESTIONS)[number]

/** What a caller can know: the non-factors plus the name, the line and the PIN. */
export const KNOWLEDGE_ITEMS = ['name', 'line', 'pin', ...KNOWLEDGE_QUESTIONS] as const
export type KnowledgeItem = (typeof KNOWLEDGE_ITEMS)[number]

/** Account data an agent can read back or confirm to the caller (R8 forbids it before authentication). */
export const DISCLOSABLE_FIELDS = [
  'address',
  'dob',
  'email-address',
  'card-last4',
  'account-number',
  'activation-date',
  'plan',
  'devices',
  'last-payment',
  'ssn-last4',
] as const
export type DisclosableField = (typeof DISCLOSABLE_FIELDS)[number]

/**
 * How an agent checks a photo ID at a store counter. Only a scan validates it
 * (R3d): a look at the photo and the name proves nothing a good forgery does
 * not copy, so it is never a factor (R14).
 */
export const ID_CHECK_METHODS = ['scan', 'visual'] as const
export type IdCheckMethod = (typeof ID_CHECK_METHODS)[number]

/** What a caller can physically have. `device` is the phone of record. */
export const HOLDINGS = ['device', 'email-inbox', 'new-sim', 'photo-id', 'fake-id'] as const
export type Holding = (typeof HOLDINGS)[number]

/** High-risk transactions: every one R1 lists. Any of them obtained by a fraudster is a fraud win. */
export const HRT_KINDS = [
  'sim-change',
  'esim-transfer',
  'esim-qr',
  'ship-sim',
  'port-out-pin',
  'account-number',
  'remove-lock',
  'change-pin',
  'change-email',
  'change-address',
  'change-authorised-user',
  'call-forwarding',
  'number-change',
] as const
export type HrtKind = (typeof HRT_KINDS)[number]

/** What a transaction's target is, for the kinds that have one ("change the email to x", "send the QR to y"). */
export type HrtTarget = 'email' | 'address' | 'number' | 'person'
export const HRT_TARGETS: Partial<Record<HrtKind, HrtTarget>> = {
  'esim-qr': 'email',
  'ship-sim': 'address',
  'change-email': 'email',
  'change-address': 'address',
  'change-authorised-user': 'person',
  'call-forwarding': 'number',
}

/** The confirmation's field for a transaction's target, by kind: what the trainee types or checks there. */
export const HRT_TARGET_LABELS: Partial<Record<HrtKind, string>> = {
  'esim-qr': 'Send the QR code to (email address)',
  'ship-sim': 'Ship the SIM to (postal address)',
  'change-email': 'New email address',
  'change-address': 'New postal address',
  'change-authorised-user': 'Authorised user to add (full name)',
  'call-forwarding': 'Forward calls to (phone number)',
}

/** Who the person speaking presents themselves as (R15). Only the holder or an authorised user may request an HRT. */
export const CALLER_CLAIMS = ['holder', 'authorised-user', 'third-party', 'staff', 'store', 'police'] as const
export type CallerClaim = (typeof CALLER_CLAIMS)[number]

/**
 * What the contact asks of the agent, which decides what a good answer is:
 * - customer: a service on the account, asked by its customer or by someone for
 *   them (a relative, a store): verify, then serve or give a safe path (R3, R4, R13);
 * - legal: an authority (the police) asks for a customer's data or a change to
 *   their line for an investigation: nothing is verified or disclosed on the
 *   call, the legal-process team is the way forward (R15);
 * - insider: the contact asks the agent to act as an insider: a change for pay
 *   or as a favour, or the agent's own credentials or codes: refuse and report
 *   it (R18); there is no customer to verify or serve.
 * Without `approach`, a police claim is `legal` and every other contact `customer`.
 */
export const CONTACT_APPROACHES = ['customer', 'legal', 'insider'] as const
export type ContactApproach = (typeof CONTACT_APPROACHES)[number]

export const ESCALATION_TEAMS = ['fraud', 'legal', 'supervisor'] as const
export type EscalationTeam = (typeof ESCALATION_TEAMS)[number]

export const SAFE_PATHS = ['store-with-id', 'remote-fallback', 'lock-enrolment', 'self-service'] as const
export type SafePath = (typeof SAFE_PATHS)[number]

/** What a documentation note covers (R19). */
export const NOTE_ITEMS = ['factors', 'outcome', 'red-flags', 'referral', 'notification'] as const
export type NoteItem = (typeof NOTE_ITEMS)[number]

/** Tags on the agent's phrasing choices, read by rubric section D (and R8 for hints). */
export const PHRASING_TAGS = [
  'empathy',
  'explains-why',
  'next-steps',
  'safe-path',
  'protective',
  'professional',
  'accusatory',
  'unprofessional',
  'retention-pressure',
  'discloses',
  'pin-hint',
] as const
export type PhrasingTag = (typeof PHRASING_TAGS)[number]

export const NOTE_BINDINGS = ['in-person-only', 'high-risk', 'vip', 'info'] as const
export type NoteBinding = (typeof NOTE_BINDINGS)[number]

export const CHANGEABLE_CONTACTS = ['email', 'address', 'pin', 'line', 'authorised-user', 'device'] as const
export type ChangeableContact = (typeof CHANGEABLE_CONTACTS)[number]

export const ENDING_OUTCOMES = ['served', 'denied', 'safe-path', 'escalated', 'hung-up', 'fraud-succeeded'] as const
export type EndingOutcome = (typeof ENDING_OUTCOMES)[number]

/** Human labels, shared by the console, the CLI and the report. */
export const ACTION_LABELS: Record<AgentActionType, string> = {
  'ask-pin': 'Ask for the account PIN',
  'send-otp': 'Send a one-time code',
  'use-caller-id': 'Count caller ID as a factor',
  'ask-knowledge': 'Ask a knowledge question',
  'confirm-detail': 'Confirm a detail to the caller',
  'check-account': 'Check notes, locks and history',
  'ask-for-holder': 'Ask to speak to the account holder',
  'check-id': 'Check the photo ID',
  'callback-verify': 'Call back on the known internal number',
  'suspend-line': 'Suspend the line',
  // How long the block lasts is the policy's (R7, rubric.yaml: flagBlockHours); the console line after a flag says it.
  'flag-account': 'Flag the account (blocks high-risk changes)',
  'notify-customer': 'Notify the customer on contacts of record',
  escalate: 'Escalate',
  'offer-safe-path': 'Offer a safe path',
  deny: 'Deny the request',
  'perform-hrt': 'Perform a high-risk transaction',
  'cancel-order': 'Cancel pending orders',
  'accept-offer': "Accept the caller's offer",
  say: 'Say',
  note: 'Add a note',
  'end-call': 'End the call',
}

export const OTP_DESTINATION_LABELS: Record<OtpDestination, string> = {
  'line-of-record': 'Line of record',
  'email-of-record': 'Email of record',
  'calling-number': 'The number calling now',
  'caller-supplied': 'A number the caller gives',
  'new-sim': 'The new SIM / eSIM',
}

export const KNOWLEDGE_LABELS: Record<KnowledgeItem, string> = {
  name: 'Name',
  line: 'Phone number',
  pin: 'PIN',
  dob: 'Date of birth',
  'ssn-last4': 'SSN last 4',
  address: 'Postal address',
  zip: 'ZIP code',
  'account-number': 'Account number',
  'bill-amount': 'Last bill amount',
  'last-payment': 'Last payment',
  'call-log': 'Recent calls',
  'activation-date': 'Activation date',
  imei: 'IMEI',
  'email-address': 'Email address',
}

export const DISCLOSABLE_LABELS: Record<DisclosableField, string> = {
  address: 'Postal address',
  dob: 'Date of birth',
  'email-address': 'Email address',
  'card-last4': 'Card on file (last 4)',
  'account-number': 'Account number',
  'activation-date': 'Activation date',
  plan: 'Plan',
  devices: 'Devices on the account',
  'last-payment': 'Last payment',
  'ssn-last4': 'SSN last 4',
}

export const HRT_LABELS: Record<HrtKind, string> = {
  'sim-change': 'SIM change (new physical SIM)',
  'esim-transfer': 'eSIM transfer to a new device',
  'esim-qr': 'Send an eSIM QR code',
  'ship-sim': 'Ship a replacement SIM',
  'port-out-pin': 'Issue a number-transfer (port-out) PIN',
  'account-number': 'Give the account number (for a port-out)',
  'remove-lock': 'Remove SIM Protection / Number Lock',
  'change-pin': 'Change the account PIN',
  'change-email': 'Change the email address',
  'change-address': 'Change the postal address',
  'change-authorised-user': 'Add or change an authorised user',
  'call-forwarding': 'Set up call forwarding',
  'number-change': 'Change the phone number',
}

export const ID_CHECK_LABELS: Record<IdCheckMethod, string> = {
  scan: 'Scan and validate it',
  visual: 'Look at it and record it as checked',
}

export const APPROACH_LABELS: Record<ContactApproach, string> = {
  customer: 'A service for the account’s customer',
  legal: 'An authority’s request for an investigation',
  insider: 'An approach to the agent as an insider',
}

export const CLAIM_LABELS: Record<CallerClaim, string> = {
  holder: 'The account holder',
  'authorised-user': 'An authorised user',
  'third-party': 'Someone else (a relative, a friend)',
  staff: 'Staff at Northwind',
  store: 'A Northwind store',
  police: 'A police officer',
}

export const SAFE_PATH_LABELS: Record<SafePath, string> = {
  'store-with-id': 'Visit a store with photo ID and the PIN',
  // The hold's length is the policy's (R12, rubric.yaml): texts that state it read it there.
  'remote-fallback': 'Remote fallback: PIN + email code, fraud review, then a hold',
  'lock-enrolment': 'Enrol in SIM Protection / Number Lock',
  'self-service': 'Use authenticated self-service in the app',
}

export const TEAM_LABELS: Record<EscalationTeam, string> = {
  fraud: 'Fraud team',
  legal: 'Legal-process team',
  supervisor: 'Supervisor',
}

export const NOTE_ITEM_LABELS: Record<NoteItem, string> = {
  factors: 'Factors used',
  outcome: 'Outcome',
  'red-flags': 'Red flags',
  referral: 'Referral / escalation',
  notification: 'Customer notified',
}

/**
 * How the contact reaches the agent: a phone call, a customer at a store
 * counter, or a message to the agent (a chat or text from someone outside,
 * as an insider approach arrives). The engine treats them alike, except for
 * what only a counter allows: a photo ID handed over to be checked (R3d).
 */
export const CHANNELS = ['phone', 'store', 'message'] as const
export type Channel = (typeof CHANNELS)[number]

/** Actions only some channels offer; every other action is offered on every channel. */
export const CHANNEL_ONLY_ACTIONS: Partial<Record<AgentActionType, readonly Channel[]>> = {
  'check-id': ['store'],
}

/** Does this channel offer this action? The console, the path search and the CLI menu all ask here. */
export function channelOffers(channel: Channel, action: AgentActionType): boolean {
  return CHANNEL_ONLY_ACTIONS[action]?.includes(channel) ?? true
}

export const CHANNEL_LABELS: Record<Channel, string> = {
  phone: 'Inbound call',
  store: 'In store',
  message: 'A message to you',
}
