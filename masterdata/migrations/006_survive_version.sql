-- The survivorship version the stored golden records were computed with (survivorship.ts, SURVIVE_VERSION): when it
-- is older than the code's, `migrate` computes every active golden record again from its members. Records stored
-- before this column existed were computed by version 1.
alter table block_meta add column survive_version integer not null default 1;
