// Generated from schemas/*.avsc by `npm run schemas:types`. Do not edit: change the .avsc and regenerate.

/** An exact decimal as a string, e.g. "1234.5" (Avro decimal). */
export type Decimal = string;
/** A calendar date, YYYY-MM-DD (Avro date). */
export type IsoDate = string;

/** A change to a customer (topic canonical.customer). One event record per entity with a change type: consumers read one schema per topic (TopicNameStrategy) and order is kept per customer key. */
export interface CustomerEvent {
  /** What happened. */
  changeType: ChangeType;
  /** Canonical field paths this event sets (e.g. emails, addresses, organizationName). Empty: the record is a full snapshot. Fields not listed must not overwrite what consumers hold. */
  changedFields?: Array<string>;
  /** Canonical field paths the source cleared (set to empty). */
  clearedFields?: Array<string>;
  /** For MERGED: the customer ids that were merged into this one. */
  mergedIds?: Array<string>;
  /** When the change happened in the source (UTC). */
  occurredAt: Date;
  /** Where the change came from. */
  origin: EventOrigin;
  /** The customer; for partial updates only changedFields are meaningful. */
  customer: CustomerPartyMaster;
}
/** What happened to the entity. RESYNC_REQUESTED means the source lost events (e.g. a Salesforce GAP event): re-read the entity from the source; it never carries field values. */
export type ChangeType = 'CREATED' | 'UPDATED' | 'STATUS_CHANGED' | 'DELETED' | 'UNDELETED' | 'MERGED' | 'RESYNC_REQUESTED';
/** Where a change came from: lets sinks recognise and suppress the echo of their own writes. */
export interface EventOrigin {
  /** The system the change was read from, e.g. salesforce, sap, edi:ACME. */
  system: string;
  /** The source document or event id (IDoc DOCNUM, ISA/ST control numbers, CDC transactionKey). */
  documentId?: null | string;
  /** The system's own stamp of who made the change (Salesforce changeOrigin, HubSpot changeSource). */
  changeOrigin?: null | string;
  /** The user or integration id that made the change in the source system. */
  changedBy?: null | string;
}
/** A customer as a party master record (OAGIS CustomerPartyMaster): a person or an organization, as one system knows it or as the hub's golden record. */
export interface CustomerPartyMaster {
  /** Business key: the golden id once matched, else `<system>:<source id>`. The Kafka message key. */
  customerId: string;
  /** The customer's ids in the connected systems. */
  sourceIds?: Array<SourceIdentifier>;
  /** Whether the party is a person or an organization. */
  partyType?: PartyType;
  /** Registered name of an organization, legal form included (e.g. Müller Maschinenbau GmbH). */
  organizationName?: null | string;
  /** Name parts of a person; null for organizations. */
  person?: null | PersonName;
  /** Birth date of a person (calendar date, no time zone). */
  birthDate?: null | IsoDate;
  /** Email addresses. */
  emails?: Array<EmailAddress>;
  /** Phone numbers. */
  phones?: Array<PhoneNumber>;
  /** Postal addresses (billing, shipping, …). */
  addresses?: Array<Address>;
  /** Tax registration id. */
  taxId?: null | TaxIdentifier;
  /** Credit limit, exposure and rating. */
  credit?: null | CreditProfile;
  /** Lifecycle state of the customer. */
  status?: CustomerStatus;
  /** When the record was created in its source (UTC). */
  createdAt?: null | Date;
  /** When the record was last changed in its source (UTC). */
  updatedAt?: null | Date;
  /** Source fields the canonical model has no place for, by name; kept, never dropped. */
  extensions?: Record<string, string>;
}
/** The id of an entity in one connected system (a cross-reference entry). */
export interface SourceIdentifier {
  /** The system's name as configured in the hub, e.g. sap, salesforce, hubspot, odoo, edi:ACME. */
  system: string;
  /** The entity's id in that system, exactly as the system writes it (leading zeros kept). */
  id: string;
  /** What kind of id it is when the system has several, e.g. KUNNR, AccountId, ContactId, GLN. */
  idType?: null | string;
}
/** Whether the party is a person or an organization. */
export type PartyType = 'ORGANIZATION' | 'PERSON' | 'UNKNOWN';
/** A person's name in parts. */
export interface PersonName {
  /** Salutation or title, e.g. Dr., Ms. */
  title?: null | string;
  /** Given (first) name. */
  givenName?: null | string;
  /** Middle name(s). */
  middleName?: null | string;
  /** Family (last) name. */
  familyName?: null | string;
}
/** An email address with its use. */
export interface EmailAddress {
  /** The address as given (case kept; matching normalizes it). */
  address: string;
  /** work, home, billing… as the source says. */
  use?: null | string;
  /** Whether the source marks it as the main address. */
  primary?: boolean;
}
/** A phone number. */
export interface PhoneNumber {
  /** E.164 form (+493012345678) when it could be normalized, else as written. */
  number: string;
  /** False when `number` could not be normalized to E.164 and is kept as written. */
  isE164?: boolean;
  /** work, mobile, fax, home… as the source says. */
  use?: null | string;
  /** Whether the source marks it as the main number. */
  primary?: boolean;
}
/** A postal address (UBL cac:Address). */
export interface Address {
  /** What the address is used for. */
  use?: AddressUse;
  /** Street lines in order (street and number, building, floor). */
  lines?: Array<string>;
  /** City or town. */
  city?: null | string;
  /** State, province or region (ISO 3166-2 subdivision code where known, e.g. US-CA). */
  region?: null | string;
  /** Postal code as written, e.g. 10115, SW1A 1AA. */
  postalCode?: null | string;
  /** ISO 3166-1 alpha-2 country code, e.g. DE, US. */
  countryCode?: null | string;
}
/** What the address is used for. */
export type AddressUse = 'BILLING' | 'SHIPPING' | 'MAILING' | 'REGISTERED' | 'OTHER';
/** A tax registration id. */
export interface TaxIdentifier {
  /** The kind of id, e.g. VAT (EU VAT id with country prefix), EIN, ABN. */
  scheme: string;
  /** The id, without spaces, country prefix kept for VAT (DE123456789). */
  value: string;
}
/** Credit standing kept by the ERP. */
export interface CreditProfile {
  /** Credit limit. */
  limit?: null | Money;
  /** Open receivables and orders counted against the limit. */
  exposure?: null | Money;
  /** Credit rating or risk class as the ERP names it. */
  rating?: null | string;
}
/** An amount of money in one currency (UBL cbc:Amount). The amount is exact: Avro decimal, never a float. */
export interface Money {
  /** The amount; up to 6 decimal places (unit prices can need more than the currency's minor unit). */
  amount: Decimal;
  /** ISO 4217 alphabetic currency code, e.g. EUR, USD, JPY. */
  currency: string;
}
/** Lifecycle state of the customer. */
export type CustomerStatus = 'ACTIVE' | 'INACTIVE' | 'BLOCKED' | 'PROSPECT' | 'DELETED' | 'UNKNOWN';
/** A change to a sales order (topic canonical.sales-order), keyed by orderId so one order's events stay in order. */
export interface SalesOrderEvent {
  /** What happened. */
  changeType: ChangeType;
  /** Canonical field paths this event sets; empty means a full snapshot. */
  changedFields?: Array<string>;
  /** When the change happened in the source (UTC). */
  occurredAt: Date;
  /** Where the change came from. */
  origin: EventOrigin;
  /** The order. */
  salesOrder: SalesOrder;
}
/** A customer's order to the seller (OAGIS SalesOrder, UBL Order): from an ERP, or a purchase order a trading partner sent by EDI. */
export interface SalesOrder {
  /** Business key: `<system>:<order number>` (e.g. sap:0000004711, edi:ACME:PO-99). The Kafka message key. */
  orderId: string;
  /** The order's ids in the connected systems. */
  sourceIds?: Array<SourceIdentifier>;
  /** The order number as the issuing system writes it. */
  orderNumber: string;
  /** The buyer's purchase order number (BEG03, BGM 1004, E1EDK02 QUALF 001, client_order_ref). */
  purchaseOrderNumber?: null | string;
  /** The document's own order type code (SAP BSART, X12 BEG02, EDIFACT BGM 1001). The hub's own sales documents use SAP's codes: RE a return order (a return authorisation to logistics), CR a credit memo request (to the ERP); null or any other code is an order to deliver. */
  orderType?: null | string;
  /** Why the document was issued, as a code or text (SAP AUGRU): the reason of a return or credit memo request. */
  orderReason?: null | string;
  /** When the order was issued (UTC; a date without time is midnight UTC). */
  orderDate?: null | Date;
  /** ISO 4217 currency of the order's amounts. */
  currency: string;
  /** The ordering customer (sold-to / buyer). */
  customer: CustomerReference;
  /** Where the goods go (ship-to / delivery party). */
  shipTo?: null | Party;
  /** Who is invoiced (bill-to / invoicee). */
  billTo?: null | Party;
  /** Other parties on the order (payer, supplier, …). */
  otherParties?: Array<RoleParty>;
  /** When the customer wants the goods. */
  requestedDelivery?: null | DeliveryWindow;
  /** Ordered items, in document order. */
  lines: Array<SalesOrderLine>;
  /** Order total as the document states it (not recomputed). */
  totalAmount?: null | Money;
  /** Order lifecycle state. */
  status: SalesOrderStatus;
  /** Referenced documents. */
  references?: Array<DocumentReference>;
  /** Free texts on the order. */
  notes?: Array<string>;
  /** Created in the source (UTC). */
  createdAt?: null | Date;
  /** Last changed in the source (UTC). */
  updatedAt?: null | Date;
  /** Source fields the canonical model has no place for; kept, never dropped. */
  extensions?: Record<string, string>;
}
/** Which customer placed the order. */
export interface CustomerReference {
  /** The hub's customer id when known (golden id or `<system>:<id>`). */
  customerId?: null | string;
  /** The customer's ids as the order names them (sold-to number, buyer GLN). */
  sourceIds?: Array<SourceIdentifier>;
  /** The customer's name as the order gives it. */
  name?: null | string;
}
/** A party named on a business document (UBL cac:Party): a buyer, ship-to, carrier, supplier. */
export interface Party {
  /** The party's id as the document gives it (customer number, GLN, DUNS). */
  partyId?: null | string;
  /** The scheme of partyId when stated, e.g. GLN, DUNS, buyer-assigned. */
  idScheme?: null | string;
  /** The party's name. */
  name?: null | string;
  /** The party's address. */
  address?: null | Address;
  /** A contact person at the party. */
  contactName?: null | string;
  /** Contact phone, E.164 (e.g. +493012345678) where it can be normalized, else as written. */
  phone?: null | string;
  /** Contact email address. */
  email?: null | string;
}
/** A party in a named role. */
export interface RoleParty {
  /** The role as a canonical word: SOLD_TO, PAYER, SUPPLIER, CARRIER, BUYER_CONTACT, OTHER:<code>. */
  role: string;
  /** The party. */
  party: Party;
}
/** A time window for delivery. */
export interface DeliveryWindow {
  /** Not before (UTC). */
  earliest?: null | Date;
  /** Not after (UTC). */
  latest?: null | Date;
}
/** One ordered item. */
export interface SalesOrderLine {
  /** The line's number as the document writes it (leading zeros trimmed). */
  lineNumber: string;
  /** What is ordered. */
  item: Item;
  /** Ordered quantity and unit. */
  quantity: Quantity;
  /** Net price per unit. */
  unitPrice?: null | Money;
  /** Quantity the unit price refers to when not 1 (e.g. price per 100). */
  priceBasis?: null | Decimal;
  /** Net line amount. */
  lineAmount?: null | Money;
  /** Requested delivery for this line when it differs from the header. */
  requestedDelivery?: null | DeliveryWindow;
  /** Delivery schedule of the line. */
  scheduleLines?: Array<ScheduleLine>;
  /** Free texts on the line. */
  notes?: Array<string>;
}
/** A product, by the ids the parties use. */
export interface Item {
  /** The seller's material / product number. */
  sellerItemId?: null | string;
  /** The buyer's item number. */
  buyerItemId?: null | string;
  /** GTIN / EAN / UPC. */
  gtin?: null | string;
  /** Item description. */
  description?: null | string;
}
/** A measured quantity with its unit (UBL cbc:Quantity with unitCode). */
export interface Quantity {
  /** The quantity, exact decimal. */
  value: Decimal;
  /** UN/ECE Recommendation 20 unit code, e.g. C62 (one), EA (each), KGM (kilogram), CT (carton). */
  unitCode: string;
}
/** A part quantity with its own delivery date. */
export interface ScheduleLine {
  /** Scheduled quantity. */
  quantity: Quantity;
  /** Requested delivery date (UTC). */
  deliveryDate?: null | Date;
}
/** Order lifecycle state. */
export type SalesOrderStatus = 'RECEIVED' | 'OPEN' | 'CONFIRMED' | 'CREDIT_HOLD' | 'REJECTED' | 'PARTIALLY_SHIPPED' | 'SHIPPED' | 'DELIVERED' | 'INVOICED' | 'CANCELLED' | 'UNKNOWN';
/** A reference to another document. */
export interface DocumentReference {
  /** What is referenced, as a canonical word or the source qualifier: CONTRACT, QUOTE, VENDOR_ORDER, DELIVERY, INVOICE, OTHER:<code>. */
  type: string;
  /** The referenced document's number. */
  id: string;
  /** Its date when given. */
  date?: null | Date;
}
/** A change to a shipment (topic canonical.shipment), keyed by shipmentId. */
export interface ShipmentEvent {
  /** What happened; a new milestone is STATUS_CHANGED with changedFields [milestones, status]. */
  changeType: ChangeType;
  /** Canonical field paths this event sets; empty means a full snapshot. */
  changedFields?: Array<string>;
  /** When the change happened in the source (UTC). */
  occurredAt: Date;
  /** Where the change came from. */
  origin: EventOrigin;
  /** The shipment. */
  shipment: Shipment;
}
/** Goods despatched to a customer (UBL DespatchAdvice, X12 856, EDIFACT DESADV) and their journey as milestones (EPCIS events). */
export interface Shipment {
  /** Business key: `<system>:<shipment number>`. The Kafka message key. */
  shipmentId: string;
  /** The shipment's ids in the connected systems. */
  sourceIds?: Array<SourceIdentifier>;
  /** The shipment / despatch advice number (BSN02, BGM 1004). */
  shipmentNumber: string;
  /** Orders fulfilled by this shipment. */
  orderReferences?: Array<OrderReference>;
  /** The carrier. */
  carrier?: null | Carrier;
  /** Carrier tracking numbers (shipment and package level). */
  trackingNumbers?: Array<string>;
  /** Bill of lading number. */
  billOfLading?: null | string;
  /** Despatch party / ship-from. */
  shipFrom?: null | Party;
  /** Delivery party / ship-to. */
  shipTo?: null | Party;
  /** When the goods left (UTC). */
  shippedAt?: null | Date;
  /** Estimated time of arrival (UTC). */
  estimatedArrival?: null | Date;
  /** Total gross weight. */
  grossWeight?: null | Quantity;
  /** Packages in the shipment. */
  packages?: Array<Package>;
  /** Shipped items. */
  lines?: Array<ShipmentLine>;
  /** Milestones in time order. */
  milestones?: Array<Milestone>;
  /** Shipment state. */
  status: ShipmentStatus;
  /** When the document was created (UTC). */
  createdAt?: null | Date;
  /** Source fields the canonical model has no place for; kept, never dropped. */
  extensions?: Record<string, string>;
}
/** An order this shipment fulfils. */
export interface OrderReference {
  /** The hub's order id when known. */
  orderId?: null | string;
  /** The buyer's PO number (PRF01, RFF+ON). */
  purchaseOrderNumber?: null | string;
  /** The seller's order number when given. */
  sellerOrderNumber?: null | string;
}
/** Who moves the goods. */
export interface Carrier {
  /** Standard Carrier Alpha Code, e.g. UPSN, FDEG. */
  scac?: null | string;
  /** Carrier name. */
  name?: null | string;
  /** Mode as a word: ROAD, AIR, SEA, RAIL, PARCEL, or the source code. */
  transportMode?: null | string;
  /** Service level, e.g. ground, next-day. */
  serviceLevel?: null | string;
}
/** A handling unit: carton, pallet, tare. */
export interface Package {
  /** SSCC or other marking (MAN, GIN). */
  packageId?: null | string;
  /** The enclosing unit (a carton on a pallet). */
  parentPackageId?: null | string;
  /** Packaging type code as given (e.g. CTN25, PX). */
  packagingCode?: null | string;
  /** Carrier tracking number of this unit. */
  trackingNumber?: null | string;
  /** Gross weight of this unit. */
  grossWeight?: null | Quantity;
}
/** An item quantity shipped. */
export interface ShipmentLine {
  /** The line number as given. */
  lineNumber?: null | string;
  /** The order line this fulfils. */
  orderLineNumber?: null | string;
  /** The PO this line belongs to, in multi-order shipments. */
  purchaseOrderNumber?: null | string;
  /** What was shipped. */
  item: Item;
  /** Shipped quantity. */
  quantity: Quantity;
  /** The package holding it. */
  packageId?: null | string;
  /** Lot / batch number. */
  lotNumber?: null | string;
}
/** Something that happened to the shipment, at a time and place. */
export interface Milestone {
  /** Kind of milestone (EPCIS bizStep shipping → SHIPPED, receiving → RECEIVED…). */
  type: MilestoneType;
  /** When (UTC). */
  occurredAt: Date;
  /** Local offset where it happened, e.g. +02:00. */
  timeZoneOffset?: null | string;
  /** Where: a location id (SGLN, GLN, UN/LOCODE) or name. */
  location?: null | string;
  /** State of the goods afterwards (EPCIS disposition, e.g. in_transit). */
  disposition?: null | string;
  /** The source event's id (EPCIS eventID). */
  sourceEventId?: null | string;
}
/** Kind of milestone. */
export type MilestoneType = 'ANNOUNCED' | 'PICKED_UP' | 'SHIPPED' | 'IN_TRANSIT' | 'ARRIVED' | 'OUT_FOR_DELIVERY' | 'DELIVERED' | 'RECEIVED' | 'EXCEPTION' | 'OTHER';
/** Shipment state. */
export type ShipmentStatus = 'ANNOUNCED' | 'SHIPPED' | 'IN_TRANSIT' | 'DELIVERED' | 'RECEIVED' | 'CANCELLED' | 'EXCEPTION' | 'UNKNOWN';
/** A change to a customer service case (topic canonical.case), keyed by caseId. Also the hub's command to change a case: an UPDATED / STATUS_CHANGED event whose origin is not the case's own system is written back to it. */
export interface CaseEvent {
  /** What happened; a case closed or reopened is STATUS_CHANGED with changedFields [status, …]. */
  changeType: ChangeType;
  /** Canonical field paths this event sets; empty means a full snapshot. */
  changedFields?: Array<string>;
  /** Canonical field paths this event clears (set to null in the source). */
  clearedFields?: Array<string>;
  /** When the change happened in the source (UTC). */
  occurredAt: Date;
  /** Where the change came from. */
  origin: EventOrigin;
  /** The case. */
  case: Case;
}
/** A customer service case (OAGIS / TMF621 trouble ticket; Salesforce Case): a complaint, question or return request, usually about an order. */
export interface Case {
  /** Business key: `<system>:<the system's id>` (e.g. salesforce:500…). The Kafka message key. */
  caseId: string;
  /** The case's ids in the connected systems (Salesforce Id with idType CaseId, CaseNumber with idType CaseNumber). */
  sourceIds?: Array<SourceIdentifier>;
  /** The number people quote (Salesforce CaseNumber, an auto-number). */
  caseNumber?: null | string;
  /** One-line summary. */
  subject?: null | string;
  /** What the customer reported. */
  description?: null | string;
  /** Where the case stands (the system's own value in statusCode); null when the event does not say. */
  status?: null | CaseStatus;
  /** The status as the system writes it (Salesforce Status picklist value, e.g. Working). */
  statusCode?: null | string;
  /** How urgent; null when the event does not say. */
  priority?: null | CasePriority;
  /** The kind of case as the system names it (Salesforce Type, e.g. Mechanical). */
  caseType?: null | string;
  /** Why the customer opened it, as the system names it (Salesforce Reason, e.g. Breakdown). */
  reason?: null | string;
  /** How it came in (Salesforce Origin: Phone, Email, Web). */
  channel?: null | string;
  /** The customer the case is for, as the hub keys customers (`salesforce:<AccountId>`, the customerId of canonical.customer). */
  customerId?: null | string;
  /** The person who raised it, as the hub keys customers (`salesforce:<ContactId>`). */
  contactId?: null | string;
  /** The ERP order the case is about, as written on the case (Salesforce Order_Number__c, e.g. SAP's 0000004711). */
  orderNumber?: null | string;
  /** What resolved the case (e.g. the return and credit memo numbers), written when it is closed (Salesforce Resolution__c). */
  resolution?: null | string;
  /** When the case was opened (UTC). */
  openedAt?: null | Date;
  /** When the case was closed (UTC); null while open. */
  closedAt?: null | Date;
  /** Last changed in the source (UTC). */
  updatedAt?: null | Date;
  /** Source fields the canonical model has no place for; kept, never dropped. */
  extensions?: Record<string, string>;
}
/** Where the case stands. */
export type CaseStatus = 'NEW' | 'WORKING' | 'ESCALATED' | 'CLOSED' | 'UNKNOWN';
/** How urgent. */
export type CasePriority = 'LOW' | 'MEDIUM' | 'HIGH' | 'UNKNOWN';
