/** The orchestrator's own tables, beside DBOS's schema in the same database. */
export const ORCHESTRATOR_DDL = `
create schema if not exists eai_orchestrator;
create table if not exists eai_orchestrator.kept_events (
  event_id text not null,
  workflow_id text not null,
  message jsonb not null,
  source text not null,
  kept_at timestamptz not null default now(),
  primary key (workflow_id, event_id)
);
create table if not exists eai_orchestrator.workflow_references (
  ref text not null,
  workflow_id text not null,
  recorded_at timestamptz not null default now(),
  primary key (ref, workflow_id)
);
create index if not exists workflow_references_workflow on eai_orchestrator.workflow_references (workflow_id);
create table if not exists eai_orchestrator.instance_states (
  workflow_id text primary key,
  status text not null,
  step text,
  detail text,
  updated_at timestamptz not null default now()
);
create table if not exists eai_orchestrator.executors (
  executor_id text primary key,
  application_version text not null,
  started_at timestamptz not null default now(),
  last_beat timestamptz not null default now(),
  taken_over_by text,
  taken_over_at timestamptz
);
-- This deployment's identity (one row, made by its first start): the ce_source of its commands, so that the receipts
-- of another deployment's commands on shared topics are told apart (commands.ts orchestratorSource).
create table if not exists eai_orchestrator.deployment (
  singleton boolean primary key default true check (singleton),
  id text not null,
  created_at timestamptz not null default now()
);
create table if not exists eai_orchestrator.parked_retries (
  workflow_id text primary key,
  step text,
  parked_at timestamptz,
  attempts integer not null default 0,
  last_action text,
  last_action_at timestamptz,
  gave_up_at timestamptz
);
`;
