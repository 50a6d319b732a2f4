-- The values the hub sent to a record whose echo the echo of a later write overtook, per field, each with the system's
-- time of that later echo (a few at most: sync/changes.ts PENDING_KEPT). Polled systems and webhooks do not keep
-- order: the first write's echo may come after the second's, which took it off `pending`; compared with `vals` and
-- `pending` alone it was a person's edit, newer than the golden value, and took the golden record back to the older
-- value in every system. It is the hub's when the system made it no later than the echo that overtook it.
alter table sync_sent add column overtaken jsonb not null default '{}'::jsonb;
