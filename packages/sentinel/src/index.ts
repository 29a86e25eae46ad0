export { runSentinel } from './main.js';
export { Sentinel } from './sentinel.js';
export { SentinelState } from './state.js';
