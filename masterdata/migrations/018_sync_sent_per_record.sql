-- What the hub last sent, per record of a system rather than per system: a golden record may hold several records
-- of one system (a HubSpot contact and company, two Odoo partners, two Salesforce records after a merge), and the
-- sync relay writes the golden values to each of them (sync/relay.ts), so each has its own row, read by its echo.
-- The row of a create by golden id that has not echoed yet has no source id: one per golden record and system.
alter table sync_sent drop constraint sync_sent_pkey;
create unique index sync_sent_record on sync_sent (golden_id, system, coalesce(source_id, ''));
