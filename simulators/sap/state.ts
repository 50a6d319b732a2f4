/** Customer master as DEBMAS carries it: KNA1 general data plus the KNKK credit segment (one control area). */
export interface SapCustomer {
  KUNNR: string;
  KTOKD: string;
  ANRED: string;
  NAME1: string;
  NAME2: string;
  SORTL: string;
  STRAS: string;
  PSTLZ: string;
  ORT01: string;
  REGIO: string;
  LAND1: string;
  SPRAS: string;
  TELF1: string;
  SMTP_ADDR: string;
  STCEG: string;
  ERDAT: string;
  /** Last change (YYYYMMDD), set by PUT. */
  AEDAT: string;
  KKBER: string;
  WAERS: string;
  /** Credit limit. */
  KLIMK: number;
  /** Open receivables. */
  SKFOR: number;
  /** Open sales orders. */
  SAUFT: number;
  /** Credit exposure = SKFOR + SAUFT (always recomputed). */
  OBLIG: number;
  /** Overdue amount and days of the oldest open item (customer fields: standard KNKK has none). */
  ZZARREARS: number;
  ZZARREARS_DAYS: number;
  /** KNKK-CRBLB: 'X' when blocked in credit management. */
  CRBLB: '' | 'X';
}

/** An order the simulator sent out as an ORDERS IDoc. */
export interface SapOrder {
  docnum: string;
  /** E1EDK01-BELNR: the SAP sales document number. */
  orderNumber: string;
  /** E1EDK02 QUALF 001: the customer's purchase order number. */
  purchaseOrderNumber: string;
  kunnr: string;
  amount: number;
  currency: string;
  file: string;
}

export interface OutboundFile {
  file: string;
  at: string;
  docnums: string[];
  orderNumbers: string[];
  /** Data segments per IDoc (EDI_DC40 excluded), in file order. */
  segments: number[];
  variants: string[];
  readyMarker: boolean;
}

/** One inbound ORDRSP IDoc as SAP's inbound processing left it: status 53 posted, 51 error. */
export interface OrderStatusRecord {
  docnum: string;
  file: string;
  sender: string;
  status: '51' | '53';
  reason?: string;
  /** E1EDK02 QUALF 001 BELNR as the response carries it: the customer's PO number (the hub's ORDRSP writes it). */
  reference: string;
  /**
   * The SAP sales document this response answers: its E1EDK01-BELNR when SAP sent that order, else the order whose PO
   * number (or number) the reference is; null when SAP sent none (status 51).
   */
  orderNumber: string | null;
  /** That order's PO number (E1EDK02 QUALF 001 of the ORDERS SAP sent); null with no order. */
  purchaseOrderNumber: string | null;
  /** E1EDK01-ACTION: 000 accepted as sent, 001 changed, 003 rejected... */
  action: string;
  confirmationNumber: string;
  items: { POSEX: string; ACTION: string; MENGE: string; EDATU?: string }[];
  receivedAt: string;
}

/** A credit memo request (SD document type CR) SAP created from an inbound ORDERS IDoc. */
export interface CreditMemoRequest {
  /** The sales document number SAP gave it (its own number range, 60000001…). */
  salesDocument: string;
  docnum: string;
  file: string;
  sender: string;
  /** E1EDK01-BELNR: the sender's document number; SAP takes each once per sender. */
  senderDocument: string;
  documentType: string;
  reason: string;
  currency: string;
  purchaseOrderNumber: string;
  /** The original sales order it credits (E1EDK02 QUALF 002), when given. */
  referenceOrder: string;
  soldTo: string;
  items: { POSEX: string; MENGE: string; MENEE: string; MATNR: string; NETWR: string }[];
  createdAt: string;
}

export interface InboundFile {
  file: string;
  at: string;
  outcome: 'processed' | 'error';
  reason?: string;
  docnums: string[];
}

export interface SapState {
  customers: Record<string, SapCustomer>;
  nextDocnum: number;
  nextOrderNumber: number;
  nextFile: number;
  orders: SapOrder[];
  outbound: OutboundFile[];
  statuses: OrderStatusRecord[];
  inbound: InboundFile[];
  /** Credit memo requests received (absent in older states). */
  creditMemoRequests?: CreditMemoRequest[];
  nextCreditMemoNumber?: number;
}

export function emptySapState(): SapState {
  return {
    customers: {},
    nextDocnum: 412_001,
    nextOrderNumber: 12_000_001,
    nextFile: 1,
    orders: [],
    outbound: [],
    statuses: [],
    inbound: [],
    creditMemoRequests: [],
    nextCreditMemoNumber: 60_000_001,
  };
}

/** SAP dates: YYYYMMDD. */
export function sapDate(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll('-', '');
}

/** SAP times: HHMMSS. */
export function sapTime(date: Date): string {
  return date.toISOString().slice(11, 19).replaceAll(':', '');
}
