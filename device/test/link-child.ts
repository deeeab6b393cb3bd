/** Child process for the Last Will test: brings a link up, says so, then waits to be killed. */
import pino from 'pino';
import { createLink } from '../src/link/index.ts';

const link = createLink({
  url: process.env.LINK_URL!,
  deviceId: process.env.LINK_DEVICE_ID!,
  keepaliveS: 2,
  log: pino({ level: 'silent' }),
  handlers: { onState: (s) => s === 'online' && process.send?.('online') },
});
void link;
setInterval(() => {}, 1000);
