-- The transaction that wrote each history entry: a steward's accept can write a merge and, where a held conflict
-- moves a record out of the merged cluster, a split in the same transaction; unmerge undoes both together.
-- Rows written before stay null (a default added with the column would give them all this migration's transaction).
alter table merge_history add column xact xid8;
alter table merge_history alter column xact set default pg_current_xact_id();
