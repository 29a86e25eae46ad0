// Node's Buffer has fast latin1 codecs that @types/node does not declare. Keys and values are
// latin1 strings (one char per byte), so the hot paths use them directly.
export {};

declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(text: string, offset: number, length?: number): number;
  }
}
