/**
 * The names of the author's workbench methods (issue 10), without their
 * schemas: methods.ts spreads them into API_METHOD_NAMES, so the preload
 * exposes them without importing zod. workbench.ts holds the schemas and types.
 * Every one of them needs supervisor mode.
 */
export const WORKBENCH_METHOD_NAMES = [
  'workbench.library',
  'workbench.wait',
  'workbench.addFolder',
  'workbench.scenario',
  'workbench.previewStart',
  'workbench.previewAct',
] as const

export type WorkbenchMethod = (typeof WORKBENCH_METHOD_NAMES)[number]
