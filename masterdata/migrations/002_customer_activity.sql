-- The customer 360 read model: the latest state of each sales order, shipment and case the hub has seen on the
-- canonical topics, one row per document, keyed by the customer's source ids as the document names them (orders,
-- cases) or by the orders it ships (shipments). Golden ids are not stored: a read resolves the customer's source
-- ids through the xref, so a merge or an unmerge needs no rewrite here.

create table customer_order (
  system          text not null,            -- the order's own system (origin)
  order_id        text not null,            -- the canonical orderId, e.g. sap:0000004711
  customer_keys   text[] not null,          -- system || chr(31) || source id, each id the order names its customer by
  order_number    text,
  status          text not null,
  order_type      text,
  total           jsonb,                    -- Money
  order_date      timestamptz,
  updated_at      timestamptz not null,     -- the event's occurredAt
  primary key (order_id)
);
create index customer_order_customer on customer_order using gin (customer_keys);

create table customer_shipment (
  shipment_id       text primary key,
  order_ids         text[] not null,        -- the canonical orderIds it ships (orderReferences)
  shipment_number   text,
  status            text not null,
  carrier           text,
  tracking_numbers  text[] not null,
  shipped_at        timestamptz,
  estimated_arrival timestamptz,
  updated_at        timestamptz not null
);
create index customer_shipment_orders on customer_shipment using gin (order_ids);

create table customer_case (
  case_id         text primary key,
  customer_keys   text[] not null,          -- as customer_order's: from the case's customerId
  case_number     text,
  subject         text,
  status          text not null,
  priority        text,
  order_number    text,
  opened_at       timestamptz,
  closed_at       timestamptz,
  updated_at      timestamptz not null
);
create index customer_case_customer on customer_case using gin (customer_keys);
