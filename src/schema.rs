// The diesel schema shared by both backends. It mirrors migrations/sqlite and
// migrations/postgres (which hold the same history); a test migrates each
// backend and checks that every table and column named here exists.

diesel::table! {
    sections (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        position -> Integer,
        listed -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        listed -> Bool,
        held -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    authors (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        bio -> Text,
        avatar_url -> Nullable<Text>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        listed -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> Text,
        slug -> Text,
        headline -> Text,
        standfirst -> Text,
        body_html -> Text,
        body_source -> Text,
        body_format -> Text,
        excerpt -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        section_id -> Nullable<Text>,
        credit -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        image_url -> Nullable<Text>,
        image_alt -> Nullable<Text>,
        image_caption -> Nullable<Text>,
        image_credit -> Nullable<Text>,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        external_id -> Nullable<Text>,
        external_owner -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<Text>,
        announced -> Bool,
        language -> Nullable<Text>,
        embargoed_until -> Nullable<Timestamp>,
        translation_group -> Nullable<Text>,
    }
}

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> Text,
        author_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Text,
        tag_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    article_related (article_id, related_id) {
        article_id -> Text,
        related_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    article_feeds (feed, listed_at, article_id) {
        feed -> Text,
        listed_at -> Timestamp,
        article_id -> Text,
    }
}

// The full-text index's text (see the search migration): the backends add
// their own columns (SQLite's rowid alias, PostgreSQL's configuration and
// tsvector), which diesel never reads.
diesel::table! {
    article_search (article_id) {
        article_id -> Text,
        headline -> Text,
        standfirst -> Text,
        body -> Text,
    }
}

diesel::table! {
    corrections (id) {
        id -> Text,
        article_id -> Text,
        text -> Text,
        amends -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    article_withdrawals (article_id) {
        article_id -> Text,
        notice -> Text,
        reason -> Text,
        previous_status -> Text,
        withdrawn_by -> Text,
        withdrawn_at -> Timestamp,
        was_public -> Bool,
    }
}

diesel::joinable!(articles -> sections (section_id));
diesel::joinable!(article_withdrawals -> articles (article_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
// Public stories per month of the site's listing, kept by triggers on
// article_feeds (the listing-months migration).
diesel::table! {
    listing_months (month) {
        month -> Text,
        stories -> BigInt,
    }
}

diesel::joinable!(article_feeds -> articles (article_id));

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        author_id -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    integrations (id) {
        id -> Text,
        name -> Text,
        role -> Text,
        client_id -> Text,
        secret_hash -> Text,
        author_id -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    revisions (id) {
        id -> Text,
        article_id -> Text,
        version -> Integer,
        actor -> Text,
        actor_name -> Text,
        changes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (principal, idem_key) {
        principal -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    content_state (id) {
        id -> Integer,
        generation -> BigInt,
        event_seq -> BigInt,
        events_pruned_through -> BigInt,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        #[sql_name = "type"]
        event_type -> Text,
        public_type -> Nullable<Text>,
        occurred_at -> Timestamp,
        resource -> Text,
        resource_id -> Text,
        slug -> Text,
        keys -> Text,
        public_keys -> Text,
        data -> Text,
        public_data -> Nullable<Text>,
        owner -> Nullable<Text>,
        author_ids -> Text,
        generation_before -> BigInt,
        generation_after -> BigInt,
        superseded -> Bool,
    }
}

diesel::table! {
    maintenance_jobs (job) {
        job -> Text,
        last_run_at -> Timestamp,
        runs -> BigInt,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        url -> Text,
        description -> Text,
        event_types -> Text,
        audience -> Text,
        active -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        cursor -> BigInt,
        failing_since -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        subscription_id -> Text,
        message_id -> Text,
        event_seq -> BigInt,
        event_type -> Text,
        ordering_key -> Text,
        payload -> Text,
        audience -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claim -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        latency_ms -> BigInt,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        response -> Nullable<Text>,
    }
}

diesel::joinable!(users -> authors (author_id));
diesel::joinable!(integrations -> authors (author_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(revisions -> articles (article_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    sections,
    tags,
    authors,
    articles,
    article_authors,
    article_tags,
    article_related,
    article_feeds,
    listing_months,
    article_search,
    corrections,
    article_withdrawals,
    users,
    integrations,
    refresh_tokens,
    revisions,
    idempotency_keys,
    content_state,
    events,
    maintenance_jobs,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
);
