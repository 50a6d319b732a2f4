import { writeX12, type X12SegmentInput } from '../../formats/x12/index.ts';
import { X12_PROFILES } from './profiles.ts';
import { hm, ymd } from './shipment.ts';
import { type DespatchRequest, PROVIDER, type Shipment } from './state.ts';

export interface X12ControlNumbers {
  interchange: number;
  group: number;
  set: number;
}

/** X12 has no release character: a separator inside a value would cut the segment, so it becomes a blank. */
function clean(value: string, forbidden: string[]): string {
  let out = value;
  for (const separator of forbidden) out = out.split(separator).join(' ');
  return out.trim();
}

/**
 * One 856 in its own interchange, hierarchy shipment → order → pack (SSCC) → item (structure code 0001),
 * CTT01 counting HL segments and CTT02 the hash total of SN102, as most 856 guides ask.
 */
export function writeX12Asn(
  request: DespatchRequest,
  shipment: Shipment,
  despatchedAt: string,
  control: X12ControlNumbers,
  profile: string,
): Buffer {
  const options = X12_PROFILES[profile] ?? X12_PROFILES['tilde-lf']!;
  const s = options.separators ?? {};
  const text = (value: string) =>
    clean(value, [s.element ?? '*', s.component ?? '>', s.segment ?? '~', '^', '\n', '\r']);
  const seg = (tag: string, ...elements: string[]): X12SegmentInput => ({ tag, elements });
  const { shipTo } = request;
  const body: X12SegmentInput[] = [
    seg('BSN', '00', shipment.shipmentId, ymd(despatchedAt), hm(despatchedAt), '0001'),
    seg('DTM', '011', ymd(despatchedAt), hm(despatchedAt)),
    seg('DTM', '017', ymd(shipment.estimatedDelivery)),
  ];
  let hl = 0;
  const level = (parent: number | '', code: string) => {
    hl++;
    body.push(seg('HL', String(hl), String(parent), code));
    return hl;
  };
  const shipmentLevel = level('', 'S');
  body.push(
    seg('TD1', 'CTN25', String(shipment.packages.length)),
    seg('TD5', 'B', '2', shipment.scac, 'M', text(shipment.carrierName)),
    seg('REF', 'BM', shipment.shipmentId),
    seg('REF', 'CN', shipment.trackingNumber),
    seg('N1', 'ST', text(shipTo.name), ...(shipTo.id ? ['UL', shipTo.id] : [])),
    seg('N3', text(shipTo.street)),
    seg('N4', text(shipTo.city), text(shipTo.region ?? ''), text(shipTo.postalCode), shipTo.country),
    seg('N1', 'SF', text(PROVIDER.name), 'UL', PROVIDER.gln),
  );
  const orderLevel = level(shipmentLevel, 'O');
  body.push(seg('PRF', text(request.purchaseOrderNumber)), seg('REF', 'VN', text(request.orderNumber)));
  let total = 0;
  for (const pack of shipment.packages) {
    const packLevel = level(orderLevel, 'P');
    body.push(seg('MAN', 'GM', pack.sscc));
    for (const line of request.lines.filter((l) => pack.lineNumbers.includes(l.lineNumber))) {
      level(packLevel, 'I');
      const gtin = line.gtin ? ['EN', line.gtin] : [];
      body.push(seg('LIN', String(line.lineNumber), 'SK', text(line.sku), ...gtin));
      body.push(seg('SN1', '', String(line.quantity), 'EA'));
      if (line.description) body.push(seg('PID', 'F', '', '', '', text(line.description)));
      total += line.quantity;
    }
  }
  body.push(seg('CTT', String(hl), String(total)));
  const date = ymd(despatchedAt);
  return writeX12(
    {
      senderQualifier: 'ZZ',
      senderId: PROVIDER.x12Id,
      receiverQualifier: 'ZZ',
      receiverId: text(request.partner).slice(0, 15),
      date: date.slice(2),
      time: hm(despatchedAt),
      controlNumber: String(control.interchange),
      groups: [
        {
          functionalId: 'SH',
          senderCode: PROVIDER.x12Id,
          receiverCode: text(request.partner).slice(0, 15),
          date,
          time: hm(despatchedAt),
          controlNumber: String(control.group),
          version: '004010',
          transactionSets: [
            { type: '856', controlNumber: String(control.set).padStart(4, '0'), segments: body },
          ],
        },
      ],
    },
    options,
  );
}
