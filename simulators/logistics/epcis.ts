import { randomUUID } from 'node:crypto';
import { hashOf, ssccUrn } from './identifiers.ts';
import { type DespatchRequest, PROVIDER, type ReturnAuthorization, type Shipment } from './state.ts';

export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';

/** Headers of an EPCIS 2.0 capture request (REST binding: `POST /capture`). */
export const CAPTURE_HEADERS = {
  'content-type': 'application/ld+json',
  'GS1-EPCIS-Version': '2.0.0',
  'GS1-CBV-Version': '2.0.0',
};

/** The ship-to's SGLN: from its GLN when the request gave one, else a stable made-up location. */
function shipToSgln(request: DespatchRequest): string {
  const gln = request.shipTo.id;
  if (gln && /^\d{13}$/.test(gln)) return `urn:epc:id:sgln:${gln.slice(0, 7)}.${gln.slice(7, 12)}.0`;
  return `urn:epc:id:sgln:0614142.${String(hashOf(request.shipTo.name) % 100_000).padStart(5, '0')}.0`;
}

/** CBV 2.0 business transaction ids: `urn:epcglobal:cbv:bt:<GLN of the issuer>:<document number>`. */
const bizTransaction = (type: string, id: string) => ({
  type,
  bizTransaction: `urn:epcglobal:cbv:bt:${PROVIDER.gln}:${id}`,
});

function quantityList(request: DespatchRequest) {
  return request.lines.map((line) => ({
    // Class-level identifiers: a GTIN as GS1 Digital Link, else the provider's item URI.
    epcClass: line.gtin
      ? `https://id.gs1.org/01/${line.gtin.padStart(14, '0')}`
      : `https://id.logistics.example/item/${encodeURIComponent(line.sku)}`,
    quantity: line.quantity,
  }));
}

/**
 * An EPCIS 2.0 capture document holding one ObjectEvent: `shipping` (in_transit) at the dock when the order
 * leaves, `receiving` (in_progress) at the ship-to location on delivery. The SSCCs are the EPCs.
 */
export function epcisDocument(
  step: 'shipping' | 'receiving',
  request: DespatchRequest,
  shipment: Shipment,
  at: Date,
): Record<string, unknown> {
  const shipping = step === 'shipping';
  const event = {
    type: 'ObjectEvent',
    eventID: `urn:uuid:${randomUUID()}`,
    eventTime: at.toISOString(),
    eventTimeZoneOffset: '+00:00',
    epcList: shipment.packages.map((p) => ssccUrn(p.sscc, PROVIDER.companyPrefix.length)),
    action: 'OBSERVE',
    bizStep: step,
    disposition: shipping ? 'in_transit' : 'in_progress',
    readPoint: { id: shipping ? PROVIDER.dockSgln : shipToSgln(request) },
    bizLocation: { id: shipping ? PROVIDER.warehouseSgln : shipToSgln(request) },
    bizTransactionList: [
      bizTransaction('po', request.purchaseOrderNumber),
      bizTransaction('desadv', shipment.shipmentId),
    ],
    quantityList: quantityList(request),
  };
  return {
    '@context': [EPCIS_CONTEXT],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: at.toISOString(),
    epcisBody: { eventList: [event] },
  };
}

/**
 * The receipt of a return at the provider's warehouse: an ObjectEvent `receiving` with disposition `returned` (CBV 2.0:
 * goods sent back by a customer), its bizTransactionList naming the original purchase order (`po`) and the seller's
 * return authorisation (`rma`), the quantities received per line in `quantityList`.
 */
export function returnReceiptDocument(ret: ReturnAuthorization, at: Date): Record<string, unknown> {
  const event = {
    type: 'ObjectEvent',
    eventID: `urn:uuid:${randomUUID()}`,
    eventTime: at.toISOString(),
    eventTimeZoneOffset: '+00:00',
    epcList: [],
    action: 'OBSERVE',
    bizStep: 'receiving',
    disposition: 'returned',
    readPoint: { id: PROVIDER.dockSgln },
    bizLocation: { id: PROVIDER.warehouseSgln },
    bizTransactionList: [bizTransaction('po', ret.purchaseOrderNumber), bizTransaction('rma', ret.rmaNumber)],
    quantityList: ret.lines.map((line) => ({
      epcClass: line.gtin
        ? `https://id.gs1.org/01/${line.gtin.padStart(14, '0')}`
        : `https://id.logistics.example/item/${encodeURIComponent(line.sku)}`,
      quantity: line.quantity,
    })),
  };
  return {
    '@context': [EPCIS_CONTEXT],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: at.toISOString(),
    epcisBody: { eventList: [event] },
  };
}
