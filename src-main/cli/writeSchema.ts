// Writes scenarios/scenario.schema.json from the zod schema.
//   npx tsx src-main/cli/writeSchema.ts           regenerate the file
//   npx tsx src-main/cli/writeSchema.ts --check   exit 1 if the committed file is stale
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
// Relative, not @core: tsx runs this file directly and reads no path aliases.
import { scenarioJsonSchemaText } from '../../src-core/scenario/jsonSchema'

const target = fileURLToPath(new URL('../../scenarios/scenario.schema.json', import.meta.url))
const fresh = scenarioJsonSchemaText()
const current = existsSync(target) ? readFileSync(target, 'utf8') : null

if (process.argv.includes('--check')) {
  if (current !== fresh) {
    console.error(`${target} is stale; run: npx tsx src-main/cli/writeSchema.ts`)
    process.exit(1)
  }
  console.log(`${target} is up to date`)
} else if (current === fresh) {
  console.log(`${target} is already up to date`)
} else {
  writeFileSync(target, fresh)
  console.log(`wrote ${target} (${fresh.length} bytes)`)
}
