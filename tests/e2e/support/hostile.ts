/**
 * A scenario file whose every free-text field carries markup. The console must
 * show it literally (text interpolation, never v-html), and none of it may run.
 */
export const HOSTILE_SCENARIO_FILE = 'zz-hostile-markup.yaml'
export const HOSTILE_SCENARIO_ID = 'hostile-markup'
export const IMG_PAYLOAD = '<img src=x onerror=window.__xss=1>'
export const SCRIPT_PAYLOAD = '<script>window.__xss=1</script>'
export const HOSTILE_TITLE = `Markup ${IMG_PAYLOAD} in the title`

const q = (s: string) => JSON.stringify(s)

export const HOSTILE_SCENARIO_YAML = `schemaVersion: 2
id: ${HOSTILE_SCENARIO_ID}
title: ${q(HOSTILE_TITLE)}
summary: ${q(`Summary with ${SCRIPT_PAYLOAD} and ${IMG_PAYLOAD}`)}
briefing: ${q(`Briefing with ${SCRIPT_PAYLOAD} and ${IMG_PAYLOAD}`)}
tier: 2
caller: fraud
tactics: [urgency]
redFlags:
  - ${q(`Red flag ${IMG_PAYLOAD}`)}
goodPractice: ${q(`Good practice ${SCRIPT_PAYLOAD}`)}
request:
  kind: sim-change
  summary: ${q(`Request ${IMG_PAYLOAD}`)}
account:
  holder: ${q(`Dana ${IMG_PAYLOAD}`)}
  line: "+1 555 0100 999"
  pin: "123456"
  email: { address: "dana@example.com" }
  device: { model: ${q(`Pixel ${SCRIPT_PAYLOAD}`)}, sim: physical }
  notes:
    - { text: ${q(`Note ${SCRIPT_PAYLOAD} ${IMG_PAYLOAD}`)}, binding: high-risk }
callerFacts:
  identity: impostor
  callingFrom: { number: "+1 555 0199 000", networkVerified: false }
  knows: [name]
beats:
  opening:
    say: ${q(`Hello ${SCRIPT_PAYLOAD} can you move my number ${IMG_PAYLOAD}`)}
    tactics: [urgency]
    choices:
      - id: hostile-choice
        text: ${q(`I will help ${IMG_PAYLOAD}`)}
        tags: [empathy]
    on:
      - action: ask-pin
        say: ${q(`No PIN ${SCRIPT_PAYLOAD}`)}
`
