-- Erasure (right to be forgotten): an audit row per erasure that holds no personal data, the source record keys
-- erased (as hashes, so that late events and loads of those records are dropped, not matched again), and an
-- outbox of what the relay still has to publish (tombstones for the golden ids, an erasure command per record).

create table erasure (
  erasure_id   text primary key,
  golden_id    text not null,               -- the golden id asked for (opaque)
  golden_ids   text[] not null,             -- every golden id the customer had (merged ones too)
  requested_by text not null,
  requested_at timestamptz not null default now(),
  -- per system: {records: n, status: pending | sent | confirmed | no-sink}
  systems      jsonb not null,
  counts       jsonb not null,              -- rows removed per table
  status       text not null check (status in ('pending', 'published')),
  published_at timestamptz
);
create index erasure_golden on erasure using gin (golden_ids);

-- sha256(system || chr(31) || source id) of every source record erased: no id in clear, enough to recognise one.
create table erased_key (
  key_hash   text primary key,
  system     text not null,
  erasure_id text not null references erasure (erasure_id),
  at         timestamptz not null default now()
);

-- What is left to publish for an erasure: the golden topic's DELETED event and tombstone per golden id
-- (kind golden), an erasure command per system record (kind command: by its own id, or with source_id null by
-- the golden id the hub created it under). Ids only; a row goes once published.
create table erasure_outbox (
  seq        bigserial primary key,
  erasure_id text not null references erasure (erasure_id),
  kind       text not null check (kind in ('golden', 'command')),
  golden_id  text not null,
  system     text,
  source_id  text,
  id_type    text
);
