import { z } from 'zod';

/** Parts of the provider's request bodies that despatch requests and return authorizations share. */
export const gtin = z.string().regex(/^(\d{8}|\d{12,14})$/, 'gtin must be a GTIN-8, -12, -13 or -14');

/** A postal address under `field` (`shipTo`, `returnFrom`): its country named in the message. */
export function addressSchema(field: string) {
  return z.object({
    name: z.string().min(1).max(60),
    street: z.string().min(1).max(55),
    city: z.string().min(1).max(30),
    postalCode: z.string().min(1).max(15),
    region: z.string().max(3).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, `${field}.country must be an ISO 3166 alpha-2 code`),
  });
}

/** 1 to 200 lines of SKU, optional GTIN, whole quantity, plus what the body adds per line. */
export function linesSchema<T extends z.ZodRawShape>(extra: T) {
  return z
    .array(
      z.object({
        lineNumber: z.number().int().positive().optional(),
        sku: z.string().min(1).max(35),
        gtin: gtin.optional(),
        quantity: z.number().int().positive(),
        ...extra,
      }),
    )
    .min(1)
    .max(200);
}
