import { NonRetriableError } from '../lib/errors.ts';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
export const MAGIC_BYTE = 0;

export class WireFormatError extends NonRetriableError {}

/** Fills the first 5 bytes of `out` (the body follows from byte 5) with the header. */
export function writeWireHeader(out: Buffer, schemaId: number): Buffer {
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeUInt32BE(schemaId, 1);
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
