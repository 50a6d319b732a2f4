import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimContext } from '../common/types.ts';
import { backgroundRequest, type InstanceTimers } from '../sap/runtime.ts';
import { writeEdifactAsn } from './asn-edifact.ts';
import { writeX12Asn } from './asn-x12.ts';
import { CAPTURE_HEADERS, epcisDocument, returnReceiptDocument } from './epcis.ts';
import { planShipment } from './shipment.ts';
import type { AsnRecord, DespatchRequest, LogisticsState, ReturnAuthorization } from './state.ts';

export interface DespatchConfig {
  outboundDir: string;
  despatchDelayMs: number;
  deliveryDelayMs: number;
  /** Always posted to, besides the subscribers of `POST /sim/capture-subscriptions`. */
  captureUrl?: string;
  /** Bearer token sent to `captureUrl` (EPCIS leaves capture authentication to the deployment; OAuth-style tokens are usual). */
  captureToken?: string;
  /** Return authorised → goods received at the warehouse; `POST /sim/returns/{rmaNumber}/receive` receives at once. */
  returnDelayMs: number;
}

export const EPCIS_CHANNEL = 'epcis';

/** Runs the timeline of each request: despatch (ASN file + shipping event), then delivery (receiving event). */
export class DespatchWorker {
  private readonly sim: SimContext<LogisticsState>;
  private readonly config: DespatchConfig;
  private readonly timers: InstanceTimers;
  constructor(sim: SimContext<LogisticsState>, config: DespatchConfig, timers: InstanceTimers) {
    this.sim = sim;
    this.config = config;
    this.timers = timers;
  }

  /** Schedules whatever is due for a request; also used at start for requests a saved state left pending. */
  schedule(request: DespatchRequest): void {
    const id = request.requestId;
    if (request.status === 'accepted') {
      this.timers.after(Math.max(0, request.despatchDue - Date.now()), () => this.despatch(id));
    } else if (request.status === 'despatched' && request.deliveryDue !== undefined) {
      this.timers.after(Math.max(0, request.deliveryDue - Date.now()), () => this.deliver(id));
    }
  }

  private despatch(id: string): void {
    const state = this.sim.state;
    const request = state.requests[id];
    if (request?.status !== 'accepted') return;
    const now = new Date();
    const shipment = planShipment(request, state.counters, now);
    request.shipment = shipment;
    request.status = 'despatched';
    request.despatchedAt = now.toISOString();
    request.deliveryDue = now.getTime() + this.config.deliveryDelayMs;
    const fault = state.asnFaults.shift();
    const first = this.writeAsn(request, fault === 'lose' ? 'lost' : 'sent');
    // A resend: new envelope and control numbers, same shipment (BSN02 / BGM number) — what dedup must catch.
    if (fault === 'duplicate') this.writeAsn(request, 'duplicate');
    this.sim.recordEffect(backgroundRequest('TIMER', `/despatch/${id}`), {
      entityType: 'ASN',
      entityId: shipment.shipmentId,
      operation: fault === 'lose' ? 'lose' : fault === 'duplicate' ? 'duplicate' : 'write',
      detail: {
        requestId: id,
        files: request.asns.map((a) => a.file),
        format: request.format,
        first: first.file,
      },
    });
    this.capture(epcisDocument('shipping', request, shipment, now));
    this.schedule(request);
  }

  /** The goods of a despatched request arrive: recorded once (a second call, or the timer after a trigger, does nothing). */
  deliver(id: string): DespatchRequest | undefined {
    const request = this.sim.state.requests[id];
    if (request?.status !== 'despatched' || !request.shipment) return request;
    const now = new Date();
    request.status = 'delivered';
    request.deliveredAt = now.toISOString();
    this.sim.recordEffect(backgroundRequest('TIMER', `/deliver/${id}`), {
      entityType: 'DELIVERY',
      entityId: request.shipment.shipmentId,
      operation: 'deliver',
      detail: { requestId: id },
    });
    this.capture(epcisDocument('receiving', request, request.shipment, now));
    this.sim.markDirty();
    return request;
  }

  /** Schedules the receipt of an authorised return. */
  scheduleReturn(ret: ReturnAuthorization): void {
    if (ret.status !== 'authorized') return;
    this.timers.after(Math.max(0, ret.receiptDue - Date.now()), () => this.receiveReturn(ret.rmaNumber));
  }

  /** The goods of a return arrive: recorded once (a second call, or the timer after a trigger, does nothing). */
  receiveReturn(rmaNumber: string): ReturnAuthorization | undefined {
    const ret = this.sim.state.returns?.[rmaNumber];
    if (ret?.status !== 'authorized') return ret;
    const now = new Date();
    ret.status = 'received';
    ret.receivedAt = now.toISOString();
    this.sim.recordEffect(backgroundRequest('TIMER', `/returns/${rmaNumber}/receive`), {
      entityType: 'RETURN_RECEIPT',
      entityId: rmaNumber,
      operation: 'receive',
      detail: { returnId: ret.returnId, orderNumber: ret.orderNumber },
    });
    this.capture(returnReceiptDocument(ret, now));
    return ret;
  }

  private writeAsn(request: DespatchRequest, fate: AsnRecord['fate']): AsnRecord {
    const counters = this.sim.state.counters;
    const shipment = request.shipment!;
    const profile = request.profile;
    const at = new Date(request.despatchedAt!);
    counters.interchange++;
    let bytes: Buffer;
    let file: string;
    let controlNumbers: Record<string, string>;
    if (request.format === 'x12-856') {
      counters.group++;
      counters.set++;
      const control = { interchange: counters.interchange, group: counters.group, set: counters.set };
      bytes = writeX12Asn(request, shipment, at.toISOString(), control, profile);
      file = `ASN_856_${String(control.interchange).padStart(9, '0')}.x12`;
      controlNumbers = {
        ISA13: String(control.interchange).padStart(9, '0'),
        GS06: String(control.group),
        ST02: String(control.set).padStart(4, '0'),
      };
    } else {
      counters.set++;
      const control = { interchange: counters.interchange, message: counters.set };
      bytes = writeEdifactAsn(request, shipment, at.toISOString(), control, profile);
      file = `DESADV_${String(control.interchange).padStart(9, '0')}.edi`;
      controlNumbers = { UNB0020: String(control.interchange), UNH0062: String(control.message) };
    }
    const record: AsnRecord = {
      file: fate === 'lost' ? null : file,
      fate,
      writtenAt: at.toISOString(),
      profile,
      controlNumbers,
    };
    if (fate !== 'lost') {
      mkdirSync(this.config.outboundDir, { recursive: true });
      const temporary = join(this.config.outboundDir, `.${file}.tmp`);
      writeFileSync(temporary, bytes);
      renameSync(temporary, join(this.config.outboundDir, file));
    }
    request.asns.push(record);
    return record;
  }

  /** Posts to every capture subscriber with the core's ordered, retried delivery. */
  private capture(document: Record<string, unknown>): void {
    const url = this.config.captureUrl;
    if (url && !this.sim.webhooks.list().some((s) => s.url === url))
      this.sim.webhooks.subscribe(url, EPCIS_CHANNEL, this.config.captureToken);
    this.sim.webhooks.publish([EPCIS_CHANNEL], document, { headers: () => CAPTURE_HEADERS });
  }
}
