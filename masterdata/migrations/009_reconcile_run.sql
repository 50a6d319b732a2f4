-- The last reconcile of each system (`eai mdm reconcile`): what it found and whether it repaired, so that sync health
-- can say a system drifted apart from the golden records (issue 18: "drift found by the last reconcile").
create table reconcile_run (
  system text primary key,
  finished_at timestamptz not null,
  records integer not null,
  counts jsonb not null,
  repaired jsonb
);
