/** (3, 'minute') → "3 minutes", (1, 'day') → "1 day": how the console says a policy number (main's views and the renderer alike). */
export function formatAmount(value: number, unit: 'minute' | 'hour' | 'day' | 'failed attempt'): string {
  return `${value} ${unit}${value === 1 ? '' : 's'}`
}
