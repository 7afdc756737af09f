/**
 * Instants compared as numbers, never as strings. ISO strings sort like instants only while
 * years have four digits: past year 9999 `toISOString()` writes `+010000-...`, which sorts
 * before `2026-...`, and a loop that steps until a string passes "now" never ends. Pure and
 * deterministic: safe in workflow code.
 */
export function instantMs(instant: string): number {
  return Date.parse(instant);
}

/** Negative when `a` is before `b`, for `Array.prototype.sort`. */
export function compareInstants(a: string, b: string): number {
  return instantMs(a) - instantMs(b);
}

export function isBefore(a: string, b: string): boolean {
  return instantMs(a) < instantMs(b);
}

export function isAfter(a: string, b: string): boolean {
  return instantMs(a) > instantMs(b);
}

export function isAtOrBefore(a: string, b: string): boolean {
  return instantMs(a) <= instantMs(b);
}

export function isAtOrAfter(a: string, b: string): boolean {
  return instantMs(a) >= instantMs(b);
}
