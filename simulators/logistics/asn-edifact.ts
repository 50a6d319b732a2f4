import { type EdifactSegmentInput, writeEdifact } from '../../formats/edifact/index.ts';
import { EDIFACT_PROFILES } from './profiles.ts';
import { hm, ymd } from './shipment.ts';
import { type DespatchRequest, PROVIDER, type Shipment } from './state.ts';

export interface EdifactControlNumbers {
  interchange: number;
  message: number;
}

/** Free text is cut at 35 characters per component, as EDIFACT an..35 fields are. */
const an35 = (value: string) => value.slice(0, 35);

/**
 * One DESADV D.96A (EANCOM style) in its own interchange: consignment CPS with the cartons as children,
 * each carton's SSCC in GIN+BJ and its lines as LIN/PIA/QTY, then UNS and CNT+2 (number of LIN).
 */
export function writeEdifactAsn(
  request: DespatchRequest,
  shipment: Shipment,
  despatchedAt: string,
  control: EdifactControlNumbers,
  profile: string,
): Buffer {
  const options = EDIFACT_PROFILES[profile] ?? EDIFACT_PROFILES['una-default']!;
  const seg = (tag: string, ...elements: (string | string[])[]): EdifactSegmentInput => ({ tag, elements });
  const { shipTo } = request;
  const body: EdifactSegmentInput[] = [
    seg('BGM', '351', shipment.shipmentId, '9'),
    seg('DTM', ['137', `${ymd(despatchedAt)}${hm(despatchedAt)}`, '203']),
    seg('DTM', ['11', ymd(despatchedAt), '102']),
    seg('DTM', ['17', ymd(shipment.estimatedDelivery), '102']),
    seg('RFF', ['ON', request.purchaseOrderNumber]),
    seg('RFF', ['VN', request.orderNumber]),
    seg('RFF', ['CN', shipment.trackingNumber]),
    seg('NAD', 'SU', [PROVIDER.gln, '', '9']),
    seg(
      'NAD',
      'DP',
      shipTo.id ? [shipTo.id, '', '9'] : '',
      '',
      [an35(shipTo.name)],
      [an35(shipTo.street)],
      an35(shipTo.city),
      shipTo.region ?? '',
      shipTo.postalCode,
      shipTo.country,
    ),
    seg('TDT', '20', '', '30', '', [shipment.scac, '', '182', an35(shipment.carrierName)]),
    seg('CPS', '1'),
    seg('PAC', String(shipment.packages.length), '', 'CT'),
  ];
  shipment.packages.forEach((pack, index) => {
    body.push(seg('CPS', String(index + 2), '1'), seg('PAC', '1', '', 'CT'), seg('GIN', 'BJ', pack.sscc));
    for (const line of request.lines.filter((l) => pack.lineNumbers.includes(l.lineNumber))) {
      body.push(seg('LIN', String(line.lineNumber), '', line.gtin ? [line.gtin, 'SRV'] : ''));
      body.push(seg('PIA', '5', [line.sku, 'SA']));
      if (line.description) body.push(seg('IMD', 'F', '', ['', '', '', an35(line.description)]));
      body.push(seg('QTY', ['12', String(line.quantity)]));
      body.push(seg('RFF', ['ON', request.purchaseOrderNumber]));
    }
  });
  body.push(seg('UNS', 'S'), seg('CNT', ['2', String(request.lines.length)]));
  const date = ymd(despatchedAt);
  return writeEdifact(
    {
      sender: { id: PROVIDER.gln, qualifier: '14' },
      recipient: { id: request.partner, qualifier: 'ZZ' },
      date: date.slice(2),
      time: hm(despatchedAt),
      controlRef: String(control.interchange),
      messages: [
        {
          ref: String(control.message),
          type: 'DESADV',
          version: 'D',
          release: '96A',
          agency: 'UN',
          associationCode: 'EAN005',
          segments: body,
        },
      ],
    },
    options,
  );
}
