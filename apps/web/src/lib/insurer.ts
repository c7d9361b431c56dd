// 保険者番号: 8 digits (法別番号 2 + 都道府県番号 2 + 保険者別番号 3 + 検証番号 1), or 6 for
// 国民健康保険. Check digit: weights 2, 1, 2, 1 … from the right-most data digit, add the
// digits of each product, check = (10 − sum mod 10) mod 10. Example: 0113001 → 01130012.
import { toHalfWidthDigits } from './normalize';

export function normalizeInsurerNumber(value: string): string {
  return toHalfWidthDigits(value).replace(/[\s-]/g, '');
}

export function isValidInsurerNumber(value: string): boolean {
  const digits = normalizeInsurerNumber(value);
  if (!/^(\d{6}|\d{8})$/.test(digits)) return false;
  let sum = 0;
  for (let i = digits.length - 2, weight = 2; i >= 0; i -= 1, weight = 3 - weight) {
    const product = (digits.charCodeAt(i) - 48) * weight;
    sum += Math.floor(product / 10) + (product % 10);
  }
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}
