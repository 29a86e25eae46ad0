import { describe, expect, it } from 'vitest';
import { encodeCommand, StreamReader } from './resp.js';

describe('replication stream RESP', () => {
  it('encodes commands as Redis writes them into the stream', () => {
    expect(encodeCommand(['SELECT', '0'])).toBe('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n');
    expect(encodeCommand(['SET', 'k', ''])).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n');
  });

  it('reads commands split at every byte, each with its exact raw bytes', () => {
    const commands = [['SET', 'key', 'va\r\nlue'], ['PING'], ['DEL', '\u00ff\u0000']];
    const stream = commands.map(encodeCommand).join('');
    const bytes = Buffer.from(stream, 'latin1');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const reader = new StreamReader();
      const seen: string[][] = [];
      let raw = '';
      for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        reader.feed(part);
        let command;
        while ((command = reader.command()) !== null) {
          seen.push(command.argv);
          raw += command.raw;
        }
      }
      expect(seen).toEqual(commands);
      expect(raw).toBe(stream);
      expect(reader.buffered).toBe(0);
    }
  });

  it('reads handshake lines with CRLF or a bare LF, then hands over the rest', () => {
    const reader = new StreamReader();
    reader.feed(Buffer.from('+PONG\r\n\n+FULLRESYNC abc 0\r\n$3\r\nRDB', 'latin1'));
    expect(reader.line()).toBe('+PONG');
    expect(reader.line()).toBe('');
    expect(reader.line()).toBe('+FULLRESYNC abc 0');
    expect(reader.line()).toBe('$3');
    expect(reader.line()).toBeNull();
    expect(reader.takeAll().toString('latin1')).toBe('RDB');
  });

  it('flags a stream that is not RESP', () => {
    const reader = new StreamReader();
    reader.feed(Buffer.from('*x\r\n', 'latin1'));
    expect(reader.command()).toBeNull();
    expect(reader.error).toMatch(/multibulk length/);
  });
});
