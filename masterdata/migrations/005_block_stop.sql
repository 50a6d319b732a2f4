-- Blocking keys too common to block on: once more records hold a key than `blocking.maxBlockSize`, the matcher
-- no longer compares records through it (its rows stay in block_key for search), and the pairs only it had
-- proposed are dropped, so the pairs compared do not depend on arrival order. Recorded so that blocking recall
-- can be measured against them.
create table block_stop (
  key        text primary key,
  holders    integer not null,             -- records holding the key when it was stopped
  stopped_at timestamptz not null default now()
);

-- The golden outbox is filled once per statement instead of once per row (the matcher writes a batch's golden
-- rows in one statement): the same rows, without a dynamic statement per golden row.
drop trigger golden_changed on golden;
drop function golden_changed();

create function golden_inserted() returns trigger language plpgsql as $$
begin
  execute format('insert into %I.golden_outbox (golden_id) select golden_id from inserted order by golden_id',
                 tg_table_schema);
  return null;
end $$;

create function golden_updated() returns trigger language plpgsql as $$
begin
  execute format(
    'insert into %I.golden_outbox (golden_id, before, before_status)
     select n.golden_id, o.record, o.status from changed_new n join changed_old o using (golden_id)
      where n.record is distinct from o.record or n.status is distinct from o.status
         or n.merged_into is distinct from o.merged_into
      order by n.golden_id', tg_table_schema);
  return null;
end $$;

create trigger golden_inserted after insert on golden referencing new table as inserted
  for each statement execute function golden_inserted();
create trigger golden_updated after update on golden referencing old table as changed_old new table as changed_new
  for each statement execute function golden_updated();

-- Each record keeps the blocking keys it was indexed under, so that they are deleted by the primary key when it
-- changes or goes (one index less to maintain on every key inserted).
alter table source_record add column keys text[];
update source_record sr set keys = k.keys
  from (select system, source_id, array_agg(key order by key) as keys from block_key group by system, source_id) k
 where sr.system = k.system and sr.source_id = k.source_id;
update source_record set keys = '{}' where keys is null;
alter table source_record alter column keys set not null;
drop index block_key_record;

-- Which version of the blocking keys (masterdata/block.ts KEY_VERSION) the stored records are indexed under; the
-- store re-keys older records when it migrates.
create table block_meta (key_version integer not null);
insert into block_meta values (case when exists (select 1 from source_record) then 1 else 2 end);
