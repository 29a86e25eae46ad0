import { describe, expect, it } from 'vitest';
import { formatEndpoint, parseEndpoint, parsePortRange } from './endpoint.js';

describe('endpoints', () => {
  it('parses HOST:PORT, bracketed IPv6 and DNS names, and refuses the rest', () => {
    expect(parseEndpoint('127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseEndpoint('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
    expect(parseEndpoint('node-0.tsredis:6379')).toEqual({ host: 'node-0.tsredis', port: 6379 });
    for (const bad of ['7000', 'host:', 'host:0', 'host:70000', '::1:7000']) expect(() => parseEndpoint(bad)).toThrow(/HOST:PORT/);
    expect(formatEndpoint({ host: '::1', port: 1 })).toBe('[::1]:1');
  });

  it('expands port ranges', () => {
    expect(parsePortRange('7000-7002')).toEqual([7000, 7001, 7002]);
    expect(parsePortRange('7000')).toEqual([7000]);
    expect(() => parsePortRange('7002-7000')).toThrow(/bad port range/);
    expect(() => parsePortRange('a-b')).toThrow(/not a port/);
  });
});
