import { defineStore } from 'pinia'
import { ref } from 'vue'

/**
 * Which screen the app shows outside a call. The call itself (console and
 * report) is driven by the call session's phase; everything else is here, so
 * one place says where a keyboard user is and where Back goes.
 *
 * Trainee screens: the picker (with the trainee's own history and published
 * reviews) and a published review. Supervisor screens sit behind the
 * passphrase (stores/role.ts) and are never shown while it is locked.
 */
export type TraineeScreen = 'picker' | 'my-review'
export type SupervisorScreen = 'queue' | 'sessions' | 'review' | 'calibration' | 'trends' | 'workbench' | 'print'
export type Screen = TraineeScreen | SupervisorScreen

export const SUPERVISOR_TABS: ReadonlyArray<{ screen: SupervisorScreen; label: string; key: string }> = [
  { screen: 'queue', label: 'Review queue', key: '1' },
  { screen: 'sessions', label: 'Sessions', key: '2' },
  { screen: 'calibration', label: 'Calibration', key: '3' },
  { screen: 'trends', label: 'Trends', key: '4' },
  { screen: 'workbench', label: 'Workbench', key: '5' },
]

export const useNavigationStore = defineStore('navigation', () => {
  const screen = ref<Screen>('picker')
  /** Where Back from a review or a print view returns to. */
  const returnTo = ref<Screen>('picker')

  function go(next: Screen): void {
    if (next === 'review' || next === 'my-review' || next === 'print') {
      if (screen.value !== next && screen.value !== 'print') returnTo.value = screen.value
    }
    screen.value = next
  }

  function back(): void {
    screen.value = returnTo.value
  }

  return { screen, returnTo, go, back }
})
