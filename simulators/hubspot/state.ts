import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_SENSITIVE_PROPERTIES } from './properties.ts';

/** One value a property held, as `propertiesWithHistory` lists it (newest first). */
export interface HistoryEntry {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
}

/** A stored contact: every property value is a string, as HubSpot stores them. */
export interface Contact {
  id: string;
  properties: Record<string, string>;
  history: Record<string, HistoryEntry[]>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  /** Set when this contact was merged into another: its id then resolves to the survivor. */
  mergedInto?: string;
}

/** The private app the integration authenticates as, and the hub (portal) it is installed in. */
export interface AppIdentity {
  portalId: number;
  appId: number;
  /** Signs webhook requests (v3 signature). */
  clientSecret: string;
  /** Private-app access tokens accepted as `Authorization: Bearer ...`. */
  accessTokens: string[];
}

/**
 * A stored company: the same record as a contact (properties as strings, their history), served by the same CRM API
 * routes (object-types.ts). Companies of older state files have no history yet; their first change starts one.
 */
export type Company = Contact;

export interface HubSpotState {
  app: AppIdentity;
  /** Companies, made through the CRM API or by a person in HubSpot's UI (absent in older state files). */
  companies?: Record<string, Company>;
  /** Contact-to-company associations, `<contactId>:<companyId>` (absent in older state files). */
  associations?: string[];
  /** The person behind `/sim/edit` (CRM_UI changes carry `userId:<id>` as sourceId). */
  uiUserId: number;
  contacts: Record<string, Contact>;
  /** Last contact id handed out (numeric, as a string on the wire). */
  lastId: number;
  /** Last timestamp handed out (ms); writes get strictly increasing times. */
  lastTimestamp: number;
  nextEventId: number;
  /** Custom properties marked unique, usable as `idProperty` (besides email and hs_object_id). */
  uniqueProperties: string[];
  /**
   * Properties defined with `dataSensitivity: "sensitive"` (HubSpot's Sensitive Data): webhooks send their value as
   * "REDACTED"; the API returns it to a token with the sensitive scopes (every token here). Absent in older state files.
   */
  sensitiveProperties?: string[];
  /** The account's time zone setting (an IANA name; `GET /account-info/v3/details`); absent: US/Eastern. */
  timeZone?: string;
  /** The account's daily API limit is spent: every API call is answered 429 `policyName: DAILY` until reset. */
  dailyLimitReached?: boolean;
}

export function emptyHubSpotState(): HubSpotState {
  return {
    app: {
      portalId: 20_000_000 + randomBytes(3).readUIntBE(0, 3),
      appId: 1_000_000 + randomBytes(2).readUInt16BE(0),
      clientSecret: randomUUID(),
      accessTokens: [`pat-na1-${randomUUID()}`],
    },
    uiUserId: 50_000_000 + randomBytes(2).readUInt16BE(0),
    contacts: {},
    lastId: 100_000_000_000 + randomBytes(2).readUInt16BE(0) * 1000,
    lastTimestamp: 0,
    nextEventId: 1,
    uniqueProperties: ['eai_golden_id', 'external_id'],
    sensitiveProperties: [...DEFAULT_SENSITIVE_PROPERTIES],
  };
}

/** A write time: now, but never equal to or before the previous one handed out. */
export function nextTimestamp(state: HubSpotState): string {
  const now = Math.max(Date.now(), state.lastTimestamp + 1);
  state.lastTimestamp = now;
  return new Date(now).toISOString();
}

/** Ids grow with small gaps, as HubSpot's do. */
export function nextContactId(state: HubSpotState): string {
  state.lastId += 1 + Math.floor(Math.random() * 50);
  return String(state.lastId);
}
