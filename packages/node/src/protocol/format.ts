/** Number formatting that matches the C printf conversions Redis uses. */

/** C's `%.17g`: 17 significant digits, trailing zeros dropped, exponent form outside 1e-4..1e17. */
export function formatDouble17g(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const scientific = d.toExponential(16); // 17 significant digits, correctly rounded
  const e = scientific.indexOf('e');
  const exponent = Number(scientific.slice(e + 1));
  if (exponent < -4 || exponent >= 17) {
    const mantissa = trimFraction(scientific.slice(0, e));
    const abs = Math.abs(exponent);
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return trimFraction(d.toFixed(16 - exponent));
}

/** Drops trailing zeros of a fraction, and the point when nothing is left after it. */
export function trimFraction(text: string): string {
  if (!text.includes('.')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  return text.slice(0, end);
}
