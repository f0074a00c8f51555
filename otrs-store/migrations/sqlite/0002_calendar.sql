-- Calendars, appointments and the history of appointment changes (otrs-core model::calendar).
-- Wall-clock times are text 'YYYY-MM-DDTHH:MM:SS' in the appointment's zone; instants are
-- microseconds since the epoch, as in 0001.

CREATE TABLE calendars (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    color            TEXT    NOT NULL CHECK (length(color) = 7),
    group_id         INTEGER NOT NULL REFERENCES groups (id),
    validity         TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    feed_token       TEXT    NOT NULL CHECK (length(feed_token) BETWEEN 1 AND 200),
    created_at       INTEGER NOT NULL,
    changed_at       INTEGER NOT NULL,
    changed_by_kind  TEXT    NOT NULL CHECK (changed_by_kind IN ('agent', 'customer')),
    changed_by_id    INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    CONSTRAINT calendars_name_unique UNIQUE (name),
    CONSTRAINT calendars_feed_token_unique UNIQUE (feed_token)
);

CREATE TABLE appointments (
    id                     INTEGER PRIMARY KEY,
    calendar_id            INTEGER NOT NULL REFERENCES calendars (id),
    uid                    TEXT    NOT NULL CHECK (length(uid) BETWEEN 1 AND 255),
    title                  TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 255),
    description            TEXT    NOT NULL CHECK (length(description) <= 20000),
    location               TEXT    NOT NULL CHECK (length(location) <= 255),
    all_day                INTEGER NOT NULL CHECK (all_day IN (0, 1)),
    start_wall             TEXT    NOT NULL CHECK (length(start_wall) = 19),
    end_wall               TEXT    NOT NULL CHECK (length(end_wall) = 19),
    time_zone              TEXT    NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    rrule                  TEXT    CHECK (length(rrule) BETWEEN 1 AND 1000),
    exdates                TEXT    NOT NULL CHECK (length(exdates) <= 400000),
    parent_id              INTEGER REFERENCES appointments (id),
    recurrence_id          TEXT    CHECK (length(recurrence_id) = 19),
    notify_minutes_before  INTEGER CHECK (notify_minutes_before >= 0),
    first_start_utc        INTEGER NOT NULL,
    last_end_utc           INTEGER,
    created_at             INTEGER NOT NULL,
    created_by_kind        TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id          INTEGER NOT NULL,
    changed_at             INTEGER NOT NULL,
    changed_by_kind        TEXT    NOT NULL CHECK (changed_by_kind IN ('agent', 'customer')),
    changed_by_id          INTEGER NOT NULL,
    version                INTEGER NOT NULL
);

CREATE INDEX appointments_window ON appointments (calendar_id, first_start_utc);
CREATE INDEX appointments_parent ON appointments (parent_id);

-- No foreign key to appointments: the rows outlive a deleted appointment.
CREATE TABLE appointment_history (
    id               INTEGER PRIMARY KEY,
    appointment_id   INTEGER NOT NULL,
    action           TEXT    NOT NULL CHECK (action IN ('Created', 'Updated', 'OccurrenceDetached', 'OccurrenceDeleted', 'Deleted', 'TicketLinked')),
    details          TEXT    NOT NULL CHECK (length(details) <= 10000),
    created_at       INTEGER NOT NULL,
    created_by_kind  TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id    INTEGER NOT NULL
);

CREATE INDEX appointment_history_appointment ON appointment_history (appointment_id, created_at);
