import { expect, test, type Browser, type Page } from '@playwright/test'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { act, appUrl, choose, endCall, openPicker, saveNote, say, startCall } from './support/console'
import { SEED_PASSPHRASE, cspViolations, expectAccessible, reviewUrl, unlockSupervisor, watchCsp } from './support/review'

// Supervisor review through the bridge, on the real services: a supervisor
// unlocks, filters, opens a session, steps through it, comments, overrides an
// item with a reason and publishes; the trainee reads it and disputes a
// deduction; the supervisor rules. Then the exports (CSV, the PDF of the print
// view), and the three ways it must fail cleanly: a wrong passphrase, an
// export to a folder that cannot be written, a session edited behind the
// app's back. Each tab is its own connection, so each has its own role.

test.describe.configure({ mode: 'serial' })

const TRAINEE = 'Sam Review'
const PASSPHRASE = SEED_PASSPHRASE
const exportDir = mkdtempSync(path.join(os.tmpdir(), 'pretext-exports-'))
let trainee: Page
let supervisor: Page

async function newTab(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  await watchCsp(page)
  return page
}

function unlock(page: Page, passphrase = PASSPHRASE): Promise<void> {
  return unlockSupervisor(page, passphrase, 'Ada Supervisor')
}

async function takeAssessedCall(page: Page): Promise<void> {
  await startCall(page, 'Stolen phone at the gate', 'Assessment', TRAINEE)
  await act(page, 'p', 1)
  await choose(page, 'k', 'dob', 2)
  await act(page, 'd', 3)
  await say(page, 'sounds-like-fraud', 4)
  await choose(page, 'a', 'store-with-id', 5)
  await saveNote(page, 'Caller had no PIN, offered DOB.\nDenied the eSIM move; store with ID offered.', ['Factors used', 'Outcome'], 6)
  await endCall(page)
  await page.getByRole('button', { name: 'Back to scenarios' }).click()
}

test.beforeAll(async ({ browser }) => {
  trainee = await newTab(browser)
  supervisor = await newTab(browser)
})

test('a trainee takes two assessed calls under their own profile', async () => {
  await openPicker(trainee)
  await takeAssessedCall(trainee)
  await takeAssessedCall(trainee)
  await expect(trainee.locator('.history tbody tr')).toHaveCount(2)
})

test('the supervisor unlocks; a wrong passphrase says how long to wait and unlocks nothing', async () => {
  await openPicker(supervisor)
  await unlock(supervisor)
  await expect(supervisor.getByRole('heading', { level: 1, name: 'Review queue' })).toBeVisible()
  await expectAccessible(supervisor, 'review queue')

  await supervisor.getByRole('button', { name: 'Lock and leave' }).click()
  await expect(supervisor.getByRole('heading', { name: 'Start a training call' })).toBeVisible()
  await unlock(supervisor, 'not the passphrase')
  await expect(supervisor.getByTestId('passphrase-error')).toHaveText(/not right.*try again in \d+ seconds?/i)
  await expectAccessible(supervisor, 'passphrase dialog with an error')
  await expect(supervisor.getByLabel('Passphrase', { exact: true })).toBeFocused()
  await supervisor.keyboard.press('Escape')
  await expect(supervisor.getByRole('dialog')).toHaveCount(0)
  await expect(supervisor.locator('.supnav')).toHaveCount(0)
  // The trainee's tab was never a supervisor's.
  await expect(trainee.getByRole('button', { name: 'Supervisor mode' })).toBeVisible()

  await supervisor.waitForTimeout(1100)
  await unlock(supervisor)
  await expect(supervisor.locator('.supnav')).toBeVisible()
})

test('filters the list, opens a session with Enter, steps through it, comments, overrides with a reason, publishes', async () => {
  await supervisor.keyboard.press('Alt+2')
  await expect(supervisor.getByRole('heading', { level: 1, name: 'Sessions' })).toBeVisible()
  await supervisor.getByLabel('Trainee', { exact: true }).selectOption(TRAINEE)
  await supervisor.getByLabel('Mode', { exact: true }).selectOption('assessment')
  await supervisor.getByRole('button', { name: 'Apply filters' }).click()
  const rows = supervisor.locator('.sup-row')
  await expect(rows).toHaveCount(2)
  await expectAccessible(supervisor, 'session list')

  await rows.first().focus()
  await supervisor.keyboard.press('ArrowDown')
  await expect(rows.nth(1)).toBeFocused()
  await supervisor.keyboard.press('ArrowUp')
  await supervisor.keyboard.press('Enter')
  await expect(supervisor.getByRole('heading', { level: 1, name: /Review: Stolen phone at the gate/ })).toBeVisible()

  for (let i = 0; i < 4; i++) await supervisor.keyboard.press('j')
  await expect(supervisor.getByTestId('replay-position')).toHaveText('Before decision 4 of 7')
  await expect(supervisor.getByTestId('step-decision')).toContainText(/fraud/i)
  await expect(supervisor.locator('.replay .account')).toBeVisible()
  await expect(supervisor.locator('.judgement').first()).toBeVisible()

  await supervisor.keyboard.press('c')
  await expect(supervisor.locator('#comment-text')).toBeFocused()
  await supervisor.keyboard.type('Never tell a caller they sound like a fraud.')
  await supervisor.keyboard.press('Control+Enter')
  await expect(supervisor.locator('.comments')).toContainText('Never tell a caller they sound like a fraud.')
  await expect(supervisor.locator('.timeline__step--on .flag--info')).toBeVisible()
  await supervisor.keyboard.press('Escape')

  await supervisor.keyboard.press('j')
  await supervisor.keyboard.press('j')
  await expect(supervisor.getByTestId('note-text')).toHaveText('Caller had no PIN, offered DOB.\nDenied the eSIM move; store with ID offered.')
  await supervisor.keyboard.press('k')
  await supervisor.keyboard.press('k')
  await expectAccessible(supervisor, 'review mid-replay')

  const e1 = supervisor.locator('.scorecard tr[data-item="E1"]')
  await e1.getByRole('button', { name: 'Override' }).click()
  await supervisor.getByLabel('Score (0–5)').fill('5')
  await supervisor.getByLabel('Reason').fill('The note records the factors and the outcome; that is enough here.')
  await supervisor.getByRole('button', { name: 'Save override' }).click()
  await expect(e1).toContainText('5/5')
  await expect(supervisor.getByTestId('counting')).toContainText('Automatic score counts')
  await supervisor.getByRole('button', { name: 'Sign off' }).click()
  await expect(supervisor.getByTestId('counting')).toContainText('Supervisor’s score counts')
  await supervisor.getByRole('button', { name: 'Publish to trainee' }).click()
  await expect(supervisor.getByTestId('review-state')).toHaveText('Published')
})

test('the trainee reads the published review and disputes a deduction; the supervisor rules', async () => {
  await trainee.reload()
  await expect(trainee.locator('.history__review')).toHaveText('New review')
  await trainee.locator('.history__review').click()
  await expect(trainee.getByRole('heading', { level: 1, name: /Your review/ })).toBeVisible()
  await expect(trainee.locator('.scorecard')).toContainText('Supervisor’s score counts')
  await trainee.keyboard.press('End')
  await expectAccessible(trainee, 'trainee review')
  const disputed = trainee.locator('.scorecard tr', { has: trainee.getByRole('button', { name: 'Dispute' }) }).first()
  const item = await disputed.getAttribute('data-item')
  await disputed.getByRole('button', { name: 'Dispute' }).click()
  await trainee.getByLabel('Reason').fill('I was explaining the policy, not accusing the caller.')
  await trainee.getByRole('button', { name: 'Send dispute' }).click()
  await expect(trainee.getByTestId('review-state')).toHaveText('Disputed')

  await supervisor.getByRole('button', { name: 'Back', exact: true }).click()
  await supervisor.keyboard.press('Alt+1')
  const dispute = supervisor.locator('[aria-labelledby="disputes-heading"] .sup-row')
  await expect(dispute).toContainText(item!)
  await dispute.click()
  const row = supervisor.locator(`.scorecard tr[data-item="${item}"]`)
  await row.getByRole('button', { name: 'Rule' }).click()
  await supervisor.getByLabel('Reason').fill('The words on the call were accusatory, whatever the intent.')
  await supervisor.getByRole('button', { name: 'Record ruling' }).click()
  await expect(supervisor.getByTestId('review-state')).toHaveText('Dispute ruled')
  await expect(row).toContainText('deduction upheld')
})

test('exports the filtered list and per-rule results as CSV; a folder that cannot be written gets a clear message and no file', async () => {
  await supervisor.getByRole('button', { name: 'Back', exact: true }).click()
  await supervisor.keyboard.press('Alt+2')
  await supervisor.getByRole('button', { name: 'Export list as CSV' }).click()
  const dialog = supervisor.getByRole('dialog')
  await dialog.getByLabel('Folder').fill(exportDir)
  await dialog.getByLabel('File name').fill('sessions.csv')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog.getByTestId('export-done')).toContainText('(2 rows)')
  const csv = readFileSync(path.join(exportDir, 'sessions.csv'), 'utf8')
  const lines = csv.split('\r\n')
  expect(lines.at(-1)).toBe('')
  expect(lines).toHaveLength(4)
  expect(lines.slice(1, 3).every((l) => l.includes(TRAINEE))).toBe(true)
  await dialog.getByRole('button', { name: /Close/ }).click()

  await supervisor.getByRole('button', { name: 'Per-rule CSV' }).click()
  await dialog.getByLabel('File name').fill('rules.csv')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog.getByTestId('export-done')).toBeVisible()
  expect(readFileSync(path.join(exportDir, 'rules.csv'), 'utf8')).toMatch(/R\d+/)
  await dialog.getByRole('button', { name: /Close/ }).click()

  // A folder nobody may write in. As root (CI) a chmod does not stop the
  // writer, so there it is a sysfs folder, where not even root can create a file.
  const locked = process.getuid?.() === 0 ? '/sys/kernel' : path.join(exportDir, 'locked')
  if (locked !== '/sys/kernel') {
    mkdirSync(locked)
    chmodSync(locked, 0o555)
  }
  const before = readdirSync(locked)
  await supervisor.getByRole('button', { name: 'Export list as CSV' }).click()
  await dialog.getByLabel('Folder').fill(locked)
  await dialog.getByLabel('File name').fill('sessions.csv')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog.getByTestId('export-error')).toContainText('Nothing was saved.')
  await expectAccessible(supervisor, 'export dialog with an error')
  expect(readdirSync(locked)).toEqual(before)
  await dialog.getByRole('button', { name: /Cancel/ }).click()
})

test('the print view of one session and its review becomes a PDF; its first page is looked at as an image', async ({ browserName: _browser }, testInfo) => {
  const sessionId = await supervisor.locator('.sup-row').first().getAttribute('data-session')
  await supervisor.goto(`${appUrl()}#print/${sessionId}`)
  await supervisor.reload()
  await expect(supervisor.getByRole('heading', { level: 1, name: 'Stolen phone at the gate' })).toBeVisible()
  await expect(supervisor.locator('.sheet')).toContainText('Never tell a caller they sound like a fraud.')
  await expect(supervisor.locator('.sheet')).toContainText('Dispute')
  await expectAccessible(supervisor, 'print view')
  await supervisor.emulateMedia({ media: 'print' })
  const pdfPath = testInfo.outputPath('review.pdf')
  const pdf = await supervisor.pdf({ path: pdfPath, format: 'A4', printBackground: true })
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
  expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBeGreaterThanOrEqual(1)

  // The first page as a picture: pdftoppm where it is installed, otherwise
  // the print-media rendering the PDF was made from.
  const png = testInfo.outputPath('review-page1')
  const converted = spawnSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdfPath, png])
  if (converted.status !== 0 || !existsSync(`${png}.png`)) await supervisor.screenshot({ path: `${png}.png`, fullPage: false })
  expect(statSync(`${png}.png`).size).toBeGreaterThan(10_000)
  await testInfo.attach('review-page1', { path: `${png}.png`, contentType: 'image/png' })
  await supervisor.emulateMedia({ media: 'screen' })
  await supervisor.goto(appUrl())
})

test('a session edited behind the app is shown as tampered at the first affected step, with no score, and nothing changes', async ({ browser }) => {
  // On the seeded bridge: the app locks its database while it runs, so the edit was made before it opened it (support/seedReview.ts).
  const url = reviewUrl()
  const sessionId = process.env['PRETEXT_E2E_TAMPERED_SESSION']
  const seq = process.env['PRETEXT_E2E_TAMPERED_SEQ']
  if (!sessionId || !seq) throw new Error('The tampered session was not seeded: run through playwright.config.ts.')
  const page = await newTab(browser)
  await page.emulateMedia({ reducedMotion: 'reduce' })
  await page.goto(url)
  await unlock(page)
  await expect(page.getByRole('heading', { level: 1, name: 'Review queue' })).toBeVisible()
  await page.keyboard.press('Alt+2')
  const row = page.locator(`.sup-row[data-session="${sessionId}"]`)
  // The list re-hashes the events of every row it shows: the edited decision is marked here
  // already, with no score, and the reason names the step.
  await expect(row).toHaveClass(/sup-row--tampered/)
  await expect(row.locator('.flag--danger')).toHaveText(/Tampered/)
  await expect(row.locator('.flag--danger')).toHaveAttribute('title', new RegExp(`^Tampered: event ${seq} has been altered`))
  await expect(row.locator('.sup-score')).toHaveCount(0)
  await row.click()
  await expect(page.getByTestId('tamper-banner')).toContainText(new RegExp(`Tampered record.*First affected: step ${seq}`))
  await expect(page.locator('.timeline__step--tampered')).toHaveCount(1)
  await expect(page.locator('.timeline__step--tampered .timeline__no')).toHaveText(seq)
  await expect(page.locator('.timeline__step--tampered .flag--danger')).toHaveText(/Tampered/)
  await expect(page.locator('.scorecard')).toHaveCount(0)
  await page.getByRole('button', { name: 'Go to it' }).click()
  await expect(page.getByTestId('step-detail')).toContainText('Tampered:')
  await expectAccessible(page, 'tampered review')
  // Looking changed nothing: no review event was written for it.
  await page.getByRole('button', { name: 'Back', exact: true }).click()
  await expect(row).not.toContainText('In review')
  await page.context().close()
})

test('trends and calibration run under the strict CSP and pass axe', async () => {
  // A reload of the tab kept its connection, so it is still the supervisor's.
  await expect(supervisor.locator('.supnav')).toBeVisible()
  await supervisor.keyboard.press('Alt+4')
  await expect(supervisor.getByRole('heading', { level: 1, name: 'Trends' })).toBeVisible()
  await expect(supervisor.locator('.chart__canvas canvas').first()).toBeVisible()
  // Chart.js drew: the canvas has pixels that are not the background.
  const drawn = await supervisor.evaluate<number>(`(() => {
    const c = document.querySelector('.chart__canvas canvas')
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    let ink = 0
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++
    return ink
  })()`)
  expect(drawn).toBeGreaterThan(500)
  await expectAccessible(supervisor, 'trends')
  await supervisor.keyboard.press('Alt+3')
  await expect(supervisor.getByRole('heading', { level: 1, name: 'Calibration' })).toBeVisible()
  await expectAccessible(supervisor, 'calibration')
  expect(await cspViolations(supervisor)).toEqual([])
  expect(await cspViolations(trainee)).toEqual([])
})
