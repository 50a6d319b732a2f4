-- A create held back while its golden record waits in the steward queue (sync.systems.<system>.createInReview:
-- false, the default): a pair of one of its records with a record of another golden record, under review or held
-- for a conflict. Creating it in the system at once would leave the system two records of one customer once the
-- steward merges the two golden records. The relay releases a row once no such pair is left (the steward decided,
-- a record changed and was scored again, or the golden record was merged away) and queues the golden record for
-- that system then (a golden_outbox row whose writeback names the system, no fields).
create table sync_held_create (
  golden_id text not null,
  system    text not null,
  held_at   timestamptz not null default now(),
  primary key (golden_id, system)
);
