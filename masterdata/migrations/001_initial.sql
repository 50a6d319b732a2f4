-- Master data: source records, blocking index, scored pairs, golden records, merge history, load progress.
-- Every statement runs inside the masterdata schema (search_path is set by the migration runner).

create table source_record (
  system       text not null,
  source_id    text not null,
  record       jsonb not null,            -- the canonical Customer as received
  std          jsonb not null,            -- its standardised comparison forms
  content_hash text not null,
  golden_id    text,
  received_at  timestamptz not null default now(),
  primary key (system, source_id)
);
create index source_record_golden on source_record (golden_id);

create table block_key (
  key       text not null,
  system    text not null,
  source_id text not null,
  primary key (key, system, source_id)
);
create index block_key_record on block_key (system, source_id);

-- Pairs scored at or above the review threshold; (a, b) in key order. status: auto (merged by score), review
-- (steward queue), accepted / rejected (a steward's or an unmerge's decision, kept when the records change).
create table match_pair (
  a_system    text not null,
  a_id        text not null,
  b_system    text not null,
  b_id        text not null,
  probability double precision not null,
  weight      double precision not null,
  levels      smallint[] not null,
  status      text not null check (status in ('auto', 'review', 'accepted', 'rejected')),
  decided_by  text,
  decided_at  timestamptz,
  scored_at   timestamptz not null default now(),
  primary key (a_system, a_id, b_system, b_id)
);
create index match_pair_b on match_pair (b_system, b_id);
create index match_pair_review on match_pair (status) where status = 'review';

-- Golden records. A merged one keeps its row and points to the survivor (merged_into), so every id ever issued
-- resolves.
create table golden (
  golden_id       text primary key,
  founding_system text not null,
  founding_id     text not null,
  record          jsonb,
  lineage         jsonb,
  status          text not null check (status in ('active', 'merged')),
  merged_into     text,
  version         integer not null default 1,
  updated_at      timestamptz not null default now()
);

create view xref as
  select system, source_id, golden_id from source_record where golden_id is not null;

create table merge_history (
  id        bigserial primary key,
  at        timestamptz not null default now(),
  kind      text not null check (kind in ('merge', 'split', 'unmerge')),
  golden_id text not null,
  absorbed  text[] not null default '{}',
  before    jsonb not null,                 -- the golden rows and member keys as they were
  actor     text not null,
  undone_by bigint
);

create table load_progress (
  run_key    text primary key,
  system     text not null,
  input      text not null,
  lines      bigint not null,
  counts     jsonb not null,
  updated_at timestamptz not null default now()
);
