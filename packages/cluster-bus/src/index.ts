export { SLOT_COUNT, hashTag, crc16, keySlot } from './slots.js';
