import { z } from 'zod'

// The page runs under a CSP without 'unsafe-eval'. zod compiles fast validators
// with new Function() unless told not to, and it decides when each object
// schema is built, at module load: so this module is imported first, before
// any module that defines a schema. (zod falls back when the policy refuses,
// but every try is a CSP violation report, and tests/e2e fails on any.)
z.config({ jitless: true })
