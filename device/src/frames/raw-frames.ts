import type { Readable } from 'node:stream';

/**
 * Cuts a byte stream into fixed-size frames (raw RGB24 or YUV420 from ffmpeg / rpicam-vid).
 * Pipes deliver arbitrary chunk sizes: a frame can span chunks and a chunk can hold several.
 * Each yielded buffer is a fresh copy the consumer may keep.
 */
export async function* fixedSizeFrames(stream: Readable, frameBytes: number): AsyncGenerator<Buffer> {
  let frame = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === frameBytes) {
        yield frame;
        frame = Buffer.allocUnsafe(frameBytes);
        filled = 0;
      }
    }
  }
}
