-- Each write-back the sync relay published (sync/writeback.ts): when, to which system and record, which fields;
-- never the values (they are in the command, and the golden record). `eai mdm show` lists them in the golden
-- record's history; an erasure deletes them with the customer's other rows.
create table sync_writeback (
  id        bigserial primary key,
  at        timestamptz not null default now(),
  golden_id text not null,
  system    text not null,
  source_id text,                     -- the system's own id written to (null: by the golden id)
  fields    text[] not null
);
create index sync_writeback_golden on sync_writeback (golden_id, id);
