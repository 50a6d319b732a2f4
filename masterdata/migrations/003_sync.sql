-- Sync back to the systems: per-field change times of each source record, an outbox of golden record changes
-- (filled by a trigger, so every path that writes a golden row is covered: the matcher, loads, steward
-- decisions, unmerge), and what the hub last sent to each system for each golden record.

-- Per golden field: when the source itself last changed it (ISO time), or null when the value is a copy the hub
-- wrote there (an echo). Empty for records stored before: their record's updatedAt stands for every field.
alter table source_record add column field_times jsonb not null default '{}';

create table golden_outbox (
  seq           bigserial primary key,
  golden_id     text not null,
  before        jsonb,                 -- the golden record before this change (null: it is new)
  before_status text,                  -- its status before (null: new)
  at            timestamptz not null default now()
);

create function golden_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    execute format('insert into %I.golden_outbox (golden_id) values ($1)', tg_table_schema) using new.golden_id;
  elsif new.record is distinct from old.record or new.status is distinct from old.status
        or new.merged_into is distinct from old.merged_into then
    execute format('insert into %I.golden_outbox (golden_id, before, before_status) values ($1, $2, $3)',
                   tg_table_schema) using new.golden_id, old.record, old.status;
  end if;
  return null;
end $$;

create trigger golden_changed after insert or update on golden for each row execute function golden_changed();

-- A golden record whose last source record was deleted is tombstoned (policy `sync.deletes.lastMember`).
alter table golden drop constraint golden_status_check;
alter table golden add constraint golden_status_check check (status in ('active', 'merged', 'deleted'));

-- The values the hub last sent to a system for a golden record (its projection of the golden fields), so that
-- the same values are not sent twice and an echo without an origin stamp is recognised by its values.
create table sync_sent (
  golden_id  text not null,
  system     text not null,
  source_id  text,                     -- the system's own id it was sent to (null: upserted by the golden id)
  fields     text[] not null,
  vals       jsonb not null,
  sent_at    timestamptz not null default now(),
  primary key (golden_id, system)
);
create index sync_sent_source on sync_sent (system, source_id);
