-- What the hub's master data role runs with (key `config`: thresholds, conflicts, survivorship, sync), saved at its
-- start, so that `eai mdm` commands on the same schema (decide, merge, reconcile --repair) recompute golden records
-- by the same rules instead of the defaults (--config still overrides it).
create table settings (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);
