import { Err, ReplyError } from '../protocol/errors.js';
import { parseInt64, parseInt64Number, type Int64 } from '../types/int64.js';

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
