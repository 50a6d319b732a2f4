import { NonRetriableError } from '../lib/errors.ts';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
export const MAGIC_BYTE = 0;

export class WireFormatError extends NonRetriableError {}

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

export function unframe(bytes: Buffer | null): { schemaId: number; body: Buffer } {
  if (!bytes || bytes.length < 5) {
    throw new WireFormatError(
      `not Confluent wire format: ${bytes ? `${bytes.length} bytes` : 'no value'}, need at least 5`,
    );
  }
  if (bytes[0] !== MAGIC_BYTE) {
    throw new WireFormatError(
      `not Confluent wire format: first byte is 0x${bytes[0]!.toString(16).padStart(2, '0')}, expected 0x00`,
    );
  }
  return { schemaId: bytes.readUInt32BE(1), body: bytes.subarray(5) };
}
