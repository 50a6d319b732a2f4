-- The type-ahead words (011) by the record's number (source_record.rec, 014) instead of its (system, source_id):
-- a row of two text columns in two btrees became a word and a bigint, and the matcher writes ~2 rows a new record.
-- Measured on a 1M schema (2.2M rows), 1,000 rows inserted a transaction: 27–56 ms before, 12–22 ms after.
-- Search joins source_record by rec (its unique index, 014).

create table name_word_by_rec (
  word text collate "C" not null,
  rec  bigint not null,   -- source_record.rec
  primary key (word, rec)
);
insert into name_word_by_rec (word, rec)
select distinct w.word, sr.rec from name_word w join source_record sr using (system, source_id);
create index name_word_by_rec_rec on name_word_by_rec (rec);

drop table name_word;
alter table name_word_by_rec rename to name_word;
alter index name_word_by_rec_pkey rename to name_word_pkey;
alter index name_word_by_rec_rec rename to name_word_record;

-- The delete trigger of 011 (insert and update are the matcher's, 014): a record deleted (removal, erasure) takes
-- its words with it.
create or replace function name_words_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    execute format('delete from %I.name_word w using old_rows o where w.rec = o.rec', tg_table_schema);
  end if;
  return null;
end $$;
