-- Retention of the customer 360 read model (activity.ts, `activityRetention` in the master data config): closed
-- orders, the shipments of no open order and closed cases whose last event is older than the policy's age are
-- deleted in rounds, oldest first; these indexes find them without reading every row.

create index customer_order_updated on customer_order (updated_at);
create index customer_shipment_updated on customer_shipment (updated_at);
create index customer_case_updated on customer_case (updated_at);
