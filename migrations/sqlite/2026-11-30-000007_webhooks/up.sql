-- Webhook subscriptions: where to POST which events, signed with a secret
-- that is shown once. `cursor` is the last event of the log fanned out to
-- this subscription; the fan-out moves it in the same transaction that
-- queues the deliveries, under a lock on this row, so each event is queued
-- once per subscription across replicas.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- A JSON array of event types; empty means every type.
    event_types TEXT NOT NULL DEFAULT '[]',
    -- `public`: what anonymous callers of the change feed see;
    -- `newsroom`: every event, as an editor sees it.
    audience TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    -- The signing secret (whsec_...), and during a rotation the one before
    -- it, which signs too until previous_secret_until.
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    cursor BIGINT NOT NULL,
    -- The first failed attempt since the last success; once it is old
    -- enough the subscription is disabled (active = false, disabled_at).
    failing_since TIMESTAMP,
    disabled_at TIMESTAMP,
    disabled_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One message to one subscription. Its body is fixed when it is queued, so
-- every retry sends the same bytes under the same webhook-id. A replica
-- claims due deliveries for a lease (claim, claimed_until) with FOR UPDATE
-- SKIP LOCKED; a replica killed mid-delivery leaves a lease that expires,
-- and the delivery is sent again.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    -- Deliveries with the same key (one resource) go out one at a time, in
    -- the order they were queued.
    ordering_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- Whom the payload was written for: a delivery made for one audience is
    -- never sent after the subscription changed to another.
    audience TEXT NOT NULL,
    -- pending, delivered or failed.
    status TEXT NOT NULL,
    -- Attempts since it was queued or last replayed.
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claim TEXT,
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (subscription_id, ordering_key, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (subscription_id, id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at);

-- Every attempt: when, how long, the status and the start of the answer.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    latency_ms BIGINT NOT NULL,
    status_code INTEGER,
    error TEXT,
    response TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
