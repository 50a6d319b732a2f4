-- Requests of the systems to re-read records from them (canonical CustomerEvents with changeType RESYNC_REQUESTED:
-- the source lost changes, e.g. a Salesforce GAP event the connector could not re-read, HubSpot's Sensitive Data
-- change without an access token). The hub cannot re-read a system itself: it keeps the request open, sync health
-- says so, and a reconcile with --repair or the system's next full snapshot of the record closes it (resync.ts).
-- Ids only, no customer data; an erasure deletes its customer's rows.
create table resync_request (
  system text not null,
  -- The record's source id, or `<Entity>:*` for every record of an entity (Salesforce's GAP_OVERFLOW).
  source_id text not null,
  -- For `<Entity>:*`: the entity; null for one record.
  entity text,
  first_requested_at timestamptz not null default now(),
  last_requested_at timestamptz not null default now(),
  requests integer not null default 1,
  -- The last event that asked (its CloudEvents id, else partition:offset): a redelivery of it is not counted again.
  last_event_id text,
  primary key (system, source_id)
);
