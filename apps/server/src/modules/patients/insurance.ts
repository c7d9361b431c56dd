/**
 * 保険者番号: 8 digits (法別番号 2 + 都道府県番号 2 + 保険者別番号 3 + 検証番号 1), or 6 digits for
 * 国民健康保険. The check digit weights the data digits 2, 1, 2, 1, … from the right-most one,
 * sums the digits of each product, and is (10 − sum mod 10) mod 10.
 */
export function normalizeDigits(value: string): string {
  return value.normalize('NFKC').replace(/[\s-]/g, '');
}

export function insurerCheckDigit(dataDigits: string): number {
  let sum = 0;
  for (let i = 0; i < dataDigits.length; i++) {
    const digit = Number(dataDigits[dataDigits.length - 1 - i]);
    const product = digit * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(product / 10) + (product % 10);
  }
  return (10 - (sum % 10)) % 10;
}

/** The normalized number, or a reason it is not a valid 保険者番号. */
export function parseInsurerNumber(raw: string): { value: string } | { problem: string } {
  const value = normalizeDigits(raw);
  if (!/^(\d{6}|\d{8})$/.test(value)) return { problem: 'must be 6 or 8 digits' };
  const expected = insurerCheckDigit(value.slice(0, -1));
  if (Number(value.slice(-1)) !== expected) return { problem: 'has a wrong check digit' };
  return { value };
}
