// Small UI state that should survive navigation but never the session (no browser storage).
const values = new Map<string, string>();

export function remember(key: string, value: string): void {
  values.set(key, value);
}

export function recall(key: string): string {
  return values.get(key) ?? '';
}

export function forgetAll(): void {
  values.clear();
}
