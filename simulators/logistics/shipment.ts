import { createRng } from '../generator/prng.ts';
import { CARRIERS, hashOf, sscc } from './identifiers.ts';
import { type Counters, type DespatchRequest, PROVIDER, type Shipment } from './state.ts';

const LINES_PER_CARTON = 2;

/**
 * Picks the carrier (stable per partner), a tracking number and one SSCC-labelled carton per two lines,
 * as a warehouse packing an order would; SSCC serials come from the provider's running counter.
 */
export function planShipment(request: DespatchRequest, counters: Counters, now: Date): Shipment {
  const rng = createRng(hashOf(request.requestId));
  const carrier = CARRIERS[hashOf(request.partner) % CARRIERS.length]!;
  const packages = [];
  for (let i = 0; i < request.lines.length; i += LINES_PER_CARTON) {
    counters.sscc++;
    packages.push({
      sscc: sscc(PROVIDER.companyPrefix, counters.sscc),
      lineNumbers: request.lines.slice(i, i + LINES_PER_CARTON).map((line) => line.lineNumber),
    });
  }
  return {
    shipmentId: `SH${request.requestId.replace(/\D/g, '').padStart(8, '0')}`,
    scac: carrier.scac,
    carrierName: carrier.name,
    trackingNumber: carrier.tracking(rng),
    packages,
    estimatedDelivery: new Date(now.getTime() + 2 * 86_400_000).toISOString(),
  };
}

export const ymd = (iso: string) => iso.slice(0, 10).replaceAll('-', '');
export const hm = (iso: string) => iso.slice(11, 16).replace(':', '');
