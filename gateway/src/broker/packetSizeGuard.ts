/**
 * The broker's maximum packet size (aedes has no such option): reads each MQTT fixed header
 * (MQTT 3.1.1 §2.2.3, Remaining Length) as the bytes arrive and closes the connection as soon as
 * a packet announces more than `maxBytes`, before its body is buffered anywhere.
 */
import type { Socket } from 'node:net';

/** Counts through the byte stream packet by packet; returns false once a packet is too large. */
export function createPacketSizeScanner(maxBytes: number) {
  let state: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let multiplier = 1;
  let bodyLeft = 0;
  return (chunk: Buffer): boolean => {
    let i = 0;
    while (i < chunk.length) {
      if (state === 'type') {
        i++;
        state = 'length';
        length = 0;
        multiplier = 1;
      } else if (state === 'length') {
        const byte = chunk[i++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if (length > maxBytes) return false;
        if ((byte & 0x80) === 0) {
          bodyLeft = length;
          state = bodyLeft === 0 ? 'type' : 'body';
        } else if (multiplier > 128 ** 3) {
          return false; // more than four length bytes: malformed
        }
      } else {
        const take = Math.min(bodyLeft, chunk.length - i);
        i += take;
        bodyLeft -= take;
        if (bodyLeft === 0) state = 'type';
      }
    }
    return true;
  };
}

/** Wraps the socket's read() (aedes reads with `conn.read(null)` on 'readable'). */
export function guardPacketSize(socket: Socket, maxBytes: number, onTooLarge: () => void): Socket {
  const scan = createPacketSizeScanner(maxBytes);
  const read = socket.read.bind(socket);
  socket.read = ((size?: number) => {
    const chunk = read(size) as Buffer | string | null;
    if (chunk !== null && !scan(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
      onTooLarge();
      socket.destroy();
      return null;
    }
    return chunk;
  }) as Socket['read'];
  return socket;
}
