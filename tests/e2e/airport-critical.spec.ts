import { expect, test } from '@playwright/test'
import { act, choose, endCall, expectSaved, openPicker, performHrt, startCall } from './support/console'

// (a) A fraudster gets the eSIM moved: code to "my new number", then the swap.
test('airport-stolen-phone played to a critical failure fails with score 0, CF2 and CF1 with their rules', async ({ page }) => {
  await openPicker(page)
  await startCall(page, 'Stolen phone at the gate', 'Assessment')
  await expect(page.locator('.policy-strip')).toHaveCount(0)
  await expect(page.locator('.hint')).toHaveCount(0)

  await act(page, 'n', 1)
  await act(page, 'p', 2)
  await choose(page, 'o', 'line-of-record', 3)
  await choose(page, 'o', 'caller-supplied', 4)
  // The system accepted the code, so the chip says so; judging it is the trainee's job.
  await expect(page.locator('[data-chip="code"]')).toContainText('passed')
  await performHrt(page, 'esim-transfer', { notify: true, hold: true }, 5)
  await expect(page.getByText('The caller has ended the call.')).toBeVisible()
  await expectSaved(page, 5)

  await endCall(page)
  const verdict = page.locator('.verdict')
  await expect(verdict.locator('.verdict-mark')).toHaveText('FAIL')
  await expect(page.getByTestId('score')).toHaveText('0/100')

  const cf2 = page.locator('.critical__item[data-cf="CF2"]')
  await expect(cf2).toContainText('R5')
  await expect(cf2.getByRole('button', { name: 'Step 4' })).toBeVisible()
  const cf1 = page.locator('.critical__item[data-cf="CF1"]')
  await expect(cf1).toContainText('R4')
  await expect(cf1.getByRole('button', { name: 'Step 5' })).toBeVisible()

  // The step link takes the trainee to that moment in the transcript.
  await cf2.getByRole('button', { name: 'Step 4' }).click()
  const step = page.locator('#step-4')
  await expect(step).toHaveClass(/step--highlight/)
  await expect(step).toBeFocused()
  await expect(step).toContainText(/a number the caller gives/i)
  await expect(step).toBeInViewport()
})
