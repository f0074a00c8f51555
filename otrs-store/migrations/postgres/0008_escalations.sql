-- otrs-store, PostgreSQL schema version 8: tickets' escalation deadlines
-- (otrs_core::rules::escalation), one row per ticket that has at least one. Same table as SQLite's
-- 0008.

CREATE TABLE ticket_escalations (
    ticket_id       BIGINT      PRIMARY KEY REFERENCES tickets (id),
    first_response  TIMESTAMPTZ,
    update_due      TIMESTAMPTZ,
    solution        TIMESTAMPTZ,
    -- The earliest of the three: what the Escalations widget sorts and filters by.
    escalation_at   TIMESTAMPTZ NOT NULL,
    CHECK (coalesce(first_response, update_due, solution) IS NOT NULL)
);

CREATE INDEX ticket_escalations_due ON ticket_escalations (escalation_at, ticket_id);
