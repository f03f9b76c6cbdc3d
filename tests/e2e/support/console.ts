import { expect, type Page } from '@playwright/test'

/** Helpers that drive the console the way a trainee does: by its labels and keys. */

export function appUrl(kind: 'main' | 'hostile' = 'main'): string {
  const url = kind === 'main' ? process.env['PRETEXT_E2E_URL'] : process.env['PRETEXT_E2E_HOSTILE_URL']
  if (!url) throw new Error('The e2e server URL is not set: run through playwright.config.ts (its global setup starts the bridge).')
  return url
}

/** Opens the picker; caller lines appear at once unless `motion` is true (then they are typed out). */
export async function openPicker(page: Page, { kind = 'main', motion = false }: { kind?: 'main' | 'hostile'; motion?: boolean } = {}): Promise<void> {
  await page.emulateMedia({ reducedMotion: motion ? 'no-preference' : 'reduce' })
  await page.goto(appUrl(kind))
  await expect(page.getByRole('heading', { name: 'Start a training call' })).toBeVisible()
  await expect(page.locator('.scenario-card').first()).toBeVisible()
}

export async function startCall(page: Page, title: string, mode: 'Practice' | 'Assessment' = 'Practice', trainee = 'E2E Trainee'): Promise<void> {
  await page.getByLabel('Trainee name').fill(trainee)
  await page.locator('.scenario-card', { hasText: title }).click()
  await page.locator('.mode-toggle__option', { hasText: mode }).click()
  await page.getByRole('button', { name: /Take the call/ }).click()
  await expect(page.locator('.console')).toBeVisible()
}

/** Waits until main has acknowledged `count` actions. */
export async function expectSaved(page: Page, count: number): Promise<void> {
  await expect(page.locator('.save-state')).toHaveText(new RegExp(`\\b${count} actions? saved`))
}

/** Presses a console key and waits for the action to be stored. */
export async function act(page: Page, key: string, savedAfter: number): Promise<void> {
  await page.keyboard.press(key)
  await expectSaved(page, savedAfter)
}

/** Opens a chooser with `key` and picks the option whose id is `option`, by the key it shows (1-9, then letters). */
export async function choose(page: Page, key: string, option: string, savedAfter?: number): Promise<void> {
  await page.keyboard.press(key)
  const dialog = page.getByRole('dialog')
  await expect(dialog).toBeVisible()
  const keys = await dialog.locator('.chooser__option').evaluateAll((els) => els.map((e) => [e.getAttribute('data-option'), e.getAttribute('aria-keyshortcuts')]))
  const optionKey = keys.find(([id]) => id === option)?.[1]
  if (!optionKey) throw new Error(`no option ${option} with a key in ${keys.map(([id]) => id).join(', ')}`)
  await page.keyboard.press(optionKey)
  if (savedAfter !== undefined) await expectSaved(page, savedAfter)
}

/** Says the phrasing with this id by its number key. */
export async function say(page: Page, choiceId: string, savedAfter: number): Promise<void> {
  const ids = await page.locator('.say__option').evaluateAll((els) => els.map((e) => e.getAttribute('data-choice')))
  const index = ids.indexOf(choiceId)
  if (index < 0) throw new Error(`no phrasing ${choiceId} in ${ids.join(', ')}`)
  await act(page, String(index + 1), savedAfter)
}

/** H → kind → the confirmation dialog; ticks what is asked and places the order. */
export async function performHrt(page: Page, kind: string, { notify, hold, target }: { notify: boolean; hold: boolean; target?: string }, savedAfter: number): Promise<void> {
  await choose(page, 'h', kind)
  const dialog = page.getByRole('alertdialog')
  await expect(dialog).toContainText('Confirm high-risk transaction')
  if (target !== undefined) await dialog.locator('input[name="target"]').fill(target)
  if (notify) await dialog.getByLabel('Send notice to line and email of record').check()
  if (hold) await dialog.getByLabel(/Apply hold/).check()
  await dialog.getByRole('button', { name: 'Place order' }).click()
  await expectSaved(page, savedAfter)
}

export async function saveNote(page: Page, text: string, items: string[], savedAfter: number): Promise<void> {
  await page.getByLabel('Note text').fill(text)
  for (const item of items) await page.getByLabel(item, { exact: true }).check()
  await page.getByRole('button', { name: 'Save note' }).click()
  await expectSaved(page, savedAfter)
}

/** F10, confirming when the console asks; waits for the report. */
export async function endCall(page: Page): Promise<void> {
  await page.keyboard.press('F10')
  const confirm = page.getByRole('alertdialog', { name: 'End the call?' })
  if (await confirm.isVisible().catch(() => false)) await confirm.getByRole('button', { name: 'End call' }).click()
  await expect(page.getByRole('heading', { level: 1, name: /Call report/ })).toBeVisible()
}
