import { Err, ReplyError } from '../protocol/errors.js';
import { parseInt64, parseInt64Number, type Int64 } from '../types/int64.js';
import { parseDouble } from '../types/strtod.js';

/** A long long argument, or a ReplyError with Redis's "not an integer" message (or `error`). */
export function integerArgument(text: string, error: string = Err.notInteger): Int64 {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(error);
  return value;
}

/** A long long argument as a number: for offsets and ranges, where huge values only need their order. */
export function rangeArgument(text: string): number {
  const value = parseInt64Number(text);
  if (value === null) throw new ReplyError(Err.notInteger);
  return value;
}

/** LONG_MAX on the 64-bit platforms Redis runs on. */
export const LONG_MAX = 9223372036854775807n;

/**
 * getRangeLongFromObjectOrReply: a long within [min, max]. Redis replies "not an integer" for
 * text that is no long and "value is out of range, value must between …" outside the range;
 * a caller's `error` replaces both, as Redis's `msg` argument does. Throws ReplyError.
 */
export function longInRange(text: string, min: bigint, max: bigint, error?: string): Int64 {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(error ?? Err.notInteger);
  if (value < min || value > max) {
    throw new ReplyError(error ?? `ERR value is out of range, value must between ${min} and ${max}`);
  }
  return value;
}

/** getPositiveLongFromObjectOrReply: a long in [0, LONG_MAX], with Redis's default message. */
export function positiveLong(text: string, error = 'ERR value is out of range, must be positive'): number {
  return Number(longInRange(text, 0n, LONG_MAX, error));
}

/** getDoubleFromObjectOrReply (string2d): a double argument, or a ReplyError with `error`. */
export function floatArgument(text: string, error: string = Err.notFloat): number {
  const value = parseDouble(text);
  if (value === null) throw new ReplyError(error);
  return value;
}
