-- An edit that loses survivorship leaves its golden record as it was, so the trigger queues nothing, and the system
-- it came from kept its losing value for good. The matcher now queues such an edit itself: a row whose `writeback`
-- names, per system, the fields whose golden values go back there (only there: the others hold them already).
-- Null on the trigger's rows.
alter table golden_outbox add column writeback jsonb;
