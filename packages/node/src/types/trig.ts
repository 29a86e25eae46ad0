/**
 * sin, cos and asin rounded correctly (to the double nearest the exact value), for the geo
 * distances. Redis gets them from glibc, whose results are within 0.55 ulp and so almost always
 * the correctly rounded ones; V8's Math.sin/cos/asin (fdlibm) are off by one ulp for a few
 * percent of arguments, which shows in GEOSEARCHSTORE ... STOREDIST scores printed with 17
 * digits. The value is computed in double-double arithmetic (to about 2^-70) and rounded once.
 *
 * Only the arguments geo uses need this: |x| up to a few π. Larger or non-finite arguments go
 * to Math, as do results where the extra precision cannot matter.
 */

// Double-double results are returned in these two registers (no allocation per operation).
let hi = 0;
let lo = 0;

/** Dekker's split factor 2^27 + 1. */
const SPLIT = 134217729;

function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  lo = a - (s - bb) + (b - bb);
  hi = s;
}

function quickTwoSum(a: number, b: number): void {
  const s = a + b;
  lo = b - (s - a);
  hi = s;
}

/** (ah, al) · (bh, bl) into hi/lo. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const p = ah * bh;
  let t = SPLIT * ah;
  const ahh = t - (t - ah);
  const ahl = ah - ahh;
  t = SPLIT * bh;
  const bhh = t - (t - bh);
  const bhl = bh - bhh;
  const e = ahh * bhh - p + ahh * bhl + ahl * bhh + ahl * bhl;
  quickTwoSum(p, e + (ah * bl + al * bh));
}

/** (ah, al) + (bh, bl) into hi/lo. */
function add(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  quickTwoSum(hi, lo + al + bl);
}

/** (ah, al) / b for a double b, into hi/lo. */
function divide(ah: number, al: number, b: number): void {
  const q1 = ah / b;
  mul(q1, 0, b, 0);
  const q2 = (ah - hi - lo + al) / b;
  quickTwoSum(q1, q2);
}

/** Taylor coefficients (-1)^k / n! as double-double pairs, n = 1, 3, 5, … and 0, 2, 4, …. */
function coefficients(firstN: number, count: number): Float64Array {
  const out = new Float64Array(count * 2);
  let ch = 1;
  let cl = 0;
  for (let n = 2; n < firstN + 1; n++) {
    divide(ch, cl, n);
    ch = hi;
    cl = lo;
  }
  for (let i = 0; i < count; i++) {
    out[2 * i] = ch;
    out[2 * i + 1] = cl;
    const n = firstN + 2 * i;
    divide(-ch, -cl, (n + 1) * (n + 2));
    ch = hi;
    cl = lo;
  }
  return out;
}

/** Enough terms for |r| ≤ π/4 to about 2^-75. */
const SIN_TERMS = coefficients(1, 12);
const COS_TERMS = coefficients(0, 12);

/** π/2 in pieces of 33 bits (fdlibm's pio2_1, pio2_2, pio2_3) and the rest. */
const PIO2_1 = 1.5707963267341256;
const PIO2_2 = 6.077100506303966e-11;
const PIO2_3 = 2.0222662487111665e-21;
const PIO2_3T = 8.4784276603689e-32;
const LIMIT = 64;

/** x reduced by the multiple k of π/2 nearest it: r = x - k·π/2 in hi/lo; returns k. */
function reduce(x: number): number {
  const k = Math.round(x / (PIO2_1 + PIO2_2));
  // k·PIO2_n is exact (33-bit pieces, small k); x - k·PIO2_1 is exact (Sterbenz).
  twoSum(x - k * PIO2_1, -k * PIO2_2);
  add(hi, lo, -k * PIO2_3, -k * PIO2_3T);
  return k;
}

/** Leading terms summed in double-double; the rest (below 2^-20 of the sum) in plain doubles. */
const EXACT_TERMS = 4;

/**
 * Σ terms[i] · r^(2i) by Horner in r², times r when `odd` (sin), into hi/lo. The small tail is
 * evaluated in doubles: its rounding errors stay below 2^-70 of the result.
 */
function series(terms: Float64Array, rh: number, rl: number, odd: boolean): void {
  mul(rh, rl, rh, rl);
  const r2h = hi;
  const r2l = lo;
  const count = terms.length / 2;
  let tail = terms[2 * (count - 1)]!;
  for (let i = count - 2; i >= EXACT_TERMS; i--) tail = tail * r2h + terms[2 * i]!;
  let sh = tail;
  let sl = 0;
  for (let i = EXACT_TERMS - 1; i >= 0; i--) {
    mul(sh, sl, r2h, r2l);
    add(hi, lo, terms[2 * i]!, terms[2 * i + 1]!);
    sh = hi;
    sl = lo;
  }
  if (odd) mul(sh, sl, rh, rl);
  else {
    hi = sh;
    lo = sl;
  }
}

/** sin (quadrant 0) or cos (quadrant 1) of x, rounded once. */
function sinOrCos(x: number, shift: number): number {
  const k = reduce(x);
  const rh = hi;
  const rl = lo;
  const quadrant = (((k + shift) % 4) + 4) % 4;
  series(quadrant % 2 === 0 ? SIN_TERMS : COS_TERMS, rh, rl, quadrant % 2 === 0);
  const value = hi + lo;
  return quadrant >= 2 ? -value : value;
}

export function sin(x: number): number {
  if (!(Math.abs(x) < LIMIT)) return Math.sin(x);
  if (x === 0) return x;
  return sinOrCos(x, 0);
}

export function cos(x: number): number {
  if (!(Math.abs(x) < LIMIT)) return Math.cos(x);
  return sinOrCos(x, 1);
}

/** sin(x) and cos(x) as double-doubles, into out: [sin hi, sin lo, cos hi, cos lo]. */
function sinCosExact(x: number, out: Float64Array): void {
  const k = reduce(x);
  const rh = hi;
  const rl = lo;
  const quadrant = ((k % 4) + 4) % 4;
  series(SIN_TERMS, rh, rl, true);
  const sh = hi;
  const sl = lo;
  series(COS_TERMS, rh, rl, false);
  const ch = hi;
  const cl = lo;
  // sin(x) and cos(x) from sin(r), cos(r) by quadrant.
  const swap = quadrant % 2 === 1;
  const sinSign = quadrant >= 2 ? -1 : 1;
  const cosSign = quadrant === 1 || quadrant === 2 ? -1 : 1;
  out[0] = sinSign * (swap ? ch : sh);
  out[1] = sinSign * (swap ? cl : sl);
  out[2] = cosSign * (swap ? sh : ch);
  out[3] = cosSign * (swap ? sl : cl);
}

const scratch = new Float64Array(4);

/**
 * asin(a) for a in [-1, 1]: Math.asin's result refined by one Newton step on sin(y) = a in
 * double-double (its error is far below what the rounding needs), then rounded once.
 */
export function asin(a: number): number {
  const y = Math.asin(a);
  if (!Number.isFinite(y) || y === 0) return y;
  sinCosExact(y, scratch);
  add(a, 0, -scratch[0]!, -scratch[1]!);
  const correction = (hi + lo) / scratch[2]!;
  return Number.isFinite(correction) ? y + correction : y;
}
