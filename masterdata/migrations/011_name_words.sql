-- Search by the start of a name word (type-ahead: q=Nordw finds Nordwind Handel GmbH, q=Maschin Müller Maschinenbau):
-- each source record's folded name words (std.nameTokens, as the matcher folds them: Müller = mueller = muller) of
-- three letters or more, in a btree of the "C" collation, which answers `word like 'maschin%'` as a range scan
-- whatever the database's collation (no pg_trgm: an extension needs rights a managed database may not give, and
-- is one per database, not per schema). Kept by statement-level triggers on source_record, so that every path
-- that writes or deletes a record (the matcher, loads, rematch, erasure) keeps it, in one statement per batch.

create table name_word (
  word      text collate "C" not null,
  system    text not null,
  source_id text not null,
  primary key (word, system, source_id)
);
create index name_word_record on name_word (system, source_id);

create function name_words_changed() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    -- Transition tables are visible to EXECUTE; the schema is the trigger's (the session's search_path may not be).
    execute format(
      'delete from %I.name_word w using old_rows o %s
        where w.system = o.system and w.source_id = o.source_id',
      tg_table_schema,
      case when tg_op = 'UPDATE' then
        'join new_rows n on n.system = o.system and n.source_id = o.source_id
           and n.std -> ''nameTokens'' is distinct from o.std -> ''nameTokens'''
      else '' end);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    execute format(
      'insert into %I.name_word (word, system, source_id)
       select distinct t.word, n.system, n.source_id from new_rows n %s
         cross join lateral jsonb_array_elements_text(n.std -> ''nameTokens'') as t(word)
        where length(t.word) >= 3
       on conflict do nothing',
      tg_table_schema,
      case when tg_op = 'UPDATE' then
        'join old_rows o on o.system = n.system and o.source_id = n.source_id
           and n.std -> ''nameTokens'' is distinct from o.std -> ''nameTokens'''
      else '' end);
  end if;
  return null;
end $$;

create trigger name_words_inserted after insert on source_record
  referencing new table as new_rows for each statement execute function name_words_changed();
create trigger name_words_updated after update on source_record
  referencing old table as old_rows new table as new_rows for each statement execute function name_words_changed();
create trigger name_words_deleted after delete on source_record
  referencing old table as old_rows for each statement execute function name_words_changed();

insert into name_word (word, system, source_id)
select distinct t.word, sr.system, sr.source_id from source_record sr
  cross join lateral jsonb_array_elements_text(sr.std -> 'nameTokens') as t(word)
 where length(t.word) >= 3;
