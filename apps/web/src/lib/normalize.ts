// Input clean-up for Japanese forms: full-width digits, hiragana and half-width kana.

/** ０-９ → 0-9 */
export function toHalfWidthDigits(value: string): string {
  return value.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/**
 * Full-width katakana for name readings: NFKC turns half-width ｶﾅ into カナ, and hiragana is
 * shifted to katakana. Only for kana fields — NFKC would alter some kanji in names (異体字).
 */
export function toKatakana(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
    .trim();
}

/** Full-width katakana, the long-vowel mark, ・ and spaces. */
export function isKatakana(value: string): boolean {
  return /^[\u30a1-\u30fa\u30fc\u30fb\u3000 ]+$/.test(value);
}

/** Optional text: trimmed, and null when empty. */
export function optional(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
