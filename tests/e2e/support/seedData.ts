/** What the seeded review data (support/seedReview.ts) was made with, for the specs that use it. */
export const SEED_PASSPHRASE = 'harbour lights 42'
export const SEED_SUPERVISOR = 'Ada Lindqvist'
