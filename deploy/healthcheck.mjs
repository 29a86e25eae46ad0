// Docker HEALTHCHECK: sends PING (after AUTH when REDIS_PASSWORD is set) to the local node and
// exits 0 on +PONG. Port: TSREDIS_PORT (a sentinel: TSREDIS_SENTINEL_PORT when TSREDIS_ROLE=sentinel).
import { connect } from 'node:net';

const sentinel = process.env.TSREDIS_ROLE === 'sentinel';
const port = Number(sentinel ? process.env.TSREDIS_SENTINEL_PORT ?? 26379 : process.env.TSREDIS_PORT ?? 6379);
const password = sentinel ? '' : process.env.REDIS_PASSWORD ?? '';
const command = (...argv) => `*${argv.length}\r\n${argv.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;

const socket = connect({ host: '127.0.0.1', port });
socket.setTimeout(2500, () => process.exit(1));
socket.on('error', () => process.exit(1));
socket.on('connect', () => socket.write((password ? command('AUTH', password) : '') + command('PING')));
let reply = '';
socket.on('data', (chunk) => {
  reply += chunk.toString('latin1');
  if (reply.includes('-')) process.exit(1);
  if (reply.includes('+PONG\r\n')) process.exit(0);
});
