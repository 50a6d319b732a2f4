-- The values the hub sent to a record since the last echo of them it saw, per field, oldest first (a few at most:
-- sync/changes.ts PENDING_KEPT). A system that stamps nothing (`fingerprint`) is known by its values alone: compared
-- with the last value sent only, the echo of a first write that came back after a second was sent was taken for a
-- person's edit, and, newer than the change it came from, taken the golden record back to the older value. An echo
-- of any of them is the hub's own; it takes itself and the values sent before it off the list.
alter table sync_sent add column pending jsonb not null default '{}'::jsonb;
