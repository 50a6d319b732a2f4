import { newId } from './ids.ts';
import type { SObjectType } from './schema.ts';

/** A stored record: field name to value, dates as Salesforce writes them (2024-01-31T09:15:00.000+0000). */
export type SfRecord = Record<string, string | boolean | null> & { Id: string };

export interface ChangeEventEnvelope {
  channel: string;
  replayId: string;
  schemaId: string;
  payload: Record<string, unknown>;
}

export type CdcMode = 'normal' | 'gap' | 'overflow';

export interface SalesforceState {
  orgId: string;
  /** Edits through /sim/edit are made as this user unless the edit names another. */
  uiUserId: string;
  records: Record<SObjectType, Record<string, SfRecord>>;
  /** OAuth clients seen: client id to its secret (first use registers it) and its integration user. */
  clients: Record<string, { secret: string; userId: string }>;
  tokens: Record<string, { clientId: string; userId: string; issuedAt: number }>;
  cdc: { mode: CdcMode; replayId: number; commitNumber: string; events: ChangeEventEnvelope[] };
  /** The last CaseNumber given (an auto-number field: 00001000 is the first). */
  lastCaseNumber: number;
  /** The last OrderNumber given (an auto-number field: 00000100 is the first). */
  lastOrderNumber: number;
  /** Data API requests counted (api-usage.ts): in all, and per method and path kind. Absent in older state files. */
  apiUsage?: { total: number; byRoute: Record<string, number> };
}

export function emptySalesforceState(): SalesforceState {
  return {
    orgId: newId('00D'),
    uiUserId: newId('005'),
    records: { Account: {}, Contact: {}, Case: {}, Order: {} },
    clients: {},
    tokens: {},
    // commitNumber starts above 2^53 on purpose: a client reading it as a number would lose digits.
    cdc: { mode: 'normal', replayId: 0, commitNumber: '11687091450000000000', events: [] },
    lastCaseNumber: 999,
    lastOrderNumber: 99,
    apiUsage: { total: 0, byRoute: {} },
  };
}

/** Salesforce's datetime format in REST answers. */
export function sfDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}
