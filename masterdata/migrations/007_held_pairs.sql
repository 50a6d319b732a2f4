-- A pair scored for auto-merge that the clustering keeps apart (status held): it would put into one golden record
-- two records that conflict (a steward rejected them, or a configured conflict such as two birth dates apart,
-- config `conflicts`). Held pairs are recomputed whenever their records' clusters are, and wait in the steward
-- queue; found from either record by the two partial indexes (few rows).
alter table match_pair drop constraint match_pair_status_check;
alter table match_pair add constraint match_pair_status_check
  check (status in ('auto', 'review', 'held', 'accepted', 'rejected'));
create index match_pair_held_a on match_pair (a_system, a_id) where status = 'held';
create index match_pair_held_b on match_pair (b_system, b_id) where status = 'held';
