import GRDB

/// The catalog schema, created and upgraded by named migrations (GRDB's
/// `DatabaseMigrator` records which ran in `grdb_migrations`).
///
/// ```
/// applications ─┐            users
///   name        │  app_rights (application, user, right: manage | audit)
///               │
/// recordings ───┼── chunks          (recording_id, file_offset, kind, sequence, bytes)
///   id, uuid    ├── indicators      (recording_id, time_us, kind, detail)
///   user, owner ├── terminal_text   (recording_id, time_us, text_zstd) ── terminal_text_fts (FTS5)
///   …           ├── recording_auditors (recording_id, user)
///               └── terminal_keyframes (recording_id, ordinal, time_us, chunk_offset, event_index, snapshot_zstd)
///
/// audit_log (time_us, actor, action, recording_uuid, detail)   append-only
/// capture_hosts (name, authentication: token | certificate, token_sha256, created_us, revoked_us)
/// users.password_bcrypt, users.disabled_us ── web_sessions (token_sha256, user, csrf_token, created_us, seen_us, address)
/// ```
///
/// Times are integers in microseconds since 1970 (UTC) with generated, readable text
/// columns beside them (`start_time`, `end_time`, `imported_at`) for the `sqlite3` shell.
/// A recording's file is the concatenation of its `chunks` rows in `file_offset` order.
///
/// A recording imported with `--defer-text` has `text_pending = 1` and no `terminal_text`
/// rows until `psrec index` builds them (`Catalog.indexText`); `search --text` cannot find it
/// meanwhile.
///
/// A recording streamed by a capture host (`Catalog.beginIngest`) names the host in
/// `ingest_host` for ever; while it is being streamed, `ingest_state` is `live` (a chunk
/// arrived lately) or `interrupted` (none since `markInterrupted`'s cut-off), and NULL once
/// the trailer is stored. The other `ingest_` columns are where the next chunk must start:
/// its sequence, the session time it may not start before, and the last INDEX chunk's
/// offset (the next index must point back at it). A host is known by the SHA-256 of its
/// token, never the token, or (`authentication = 'certificate'`, no token) by a TLS client
/// certificate whose subject common name is its name. `applications.ingest_policy` (`strict` or `best-effort`, the
/// default) is kept for the server and capture hosts to act on; the catalog only stores it.
///
/// The terminal text is kept zstd-compressed (it is mostly what the recordings hold, less
/// compressed) and indexed by a contentless FTS5 table whose rowids are `terminal_text.id`;
/// removing a row from the index needs its text, which `Catalog.deleteText` decompresses
/// (https://www.sqlite.org/fts5.html#contentless_tables).
extension Catalog {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: recordings, content, indicators, terminal text, rights, audit log") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    name TEXT PRIMARY KEY NOT NULL,
                    created_us INTEGER NOT NULL
                );
                CREATE TABLE applications (
                    name TEXT PRIMARY KEY NOT NULL,
                    protocol TEXT NOT NULL DEFAULT 'ssh',
                    recording_enabled INTEGER NOT NULL DEFAULT 1 CHECK (recording_enabled IN (0, 1)),
                    retention_days INTEGER CHECK (retention_days IS NULL OR retention_days > 0),
                    created_us INTEGER NOT NULL
                );
                CREATE TABLE recordings (
                    id INTEGER PRIMARY KEY,
                    uuid TEXT NOT NULL UNIQUE,
                    protocol TEXT NOT NULL,
                    user TEXT,
                    application TEXT,
                    host TEXT,
                    remote_address TEXT,
                    command TEXT,
                    title TEXT,
                    owner TEXT,
                    start_us INTEGER NOT NULL,
                    end_us INTEGER NOT NULL,
                    duration_us INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('complete', 'truncated', 'corrupt')),
                    file_size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    chunk_count INTEGER NOT NULL,
                    event_count INTEGER NOT NULL,
                    indicator_count INTEGER NOT NULL,
                    text_bytes INTEGER NOT NULL,
                    metadata_json TEXT NOT NULL,
                    source_path TEXT,
                    imported_us INTEGER NOT NULL,
                    legal_hold INTEGER NOT NULL DEFAULT 0 CHECK (legal_hold IN (0, 1)),
                    start_time TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', start_us / 1000000, 'unixepoch')) VIRTUAL,
                    end_time TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', end_us / 1000000, 'unixepoch')) VIRTUAL,
                    imported_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', imported_us / 1000000, 'unixepoch')) VIRTUAL
                );
                CREATE INDEX recordings_by_start ON recordings(start_us);
                CREATE INDEX recordings_by_user ON recordings(user, start_us);
                CREATE INDEX recordings_by_application ON recordings(application, start_us);
                CREATE INDEX recordings_by_owner ON recordings(owner);

                CREATE TABLE chunks (
                    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
                    file_offset INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('header', 'chunk', 'trailer', 'tail')),
                    sequence INTEGER,
                    bytes BLOB NOT NULL,
                    PRIMARY KEY (recording_id, file_offset)
                );

                CREATE TABLE indicators (
                    id INTEGER PRIMARY KEY,
                    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
                    time_us INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX indicators_by_recording ON indicators(recording_id, time_us);
                CREATE INDEX indicators_by_kind ON indicators(kind, recording_id);

                CREATE TABLE terminal_text (
                    id INTEGER PRIMARY KEY,
                    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
                    time_us INTEGER NOT NULL,
                    text_length INTEGER NOT NULL,
                    text_zstd BLOB NOT NULL
                );
                CREATE INDEX terminal_text_by_recording ON terminal_text(recording_id);
                CREATE VIRTUAL TABLE terminal_text_fts USING fts5(text, content = '');

                CREATE TABLE app_rights (
                    application TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE,
                    user TEXT NOT NULL REFERENCES users(name),
                    "right" TEXT NOT NULL CHECK ("right" IN ('manage', 'audit')),
                    granted_us INTEGER NOT NULL,
                    PRIMARY KEY (application, user, "right")
                );
                CREATE TABLE recording_auditors (
                    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
                    user TEXT NOT NULL REFERENCES users(name),
                    source TEXT NOT NULL CHECK (source IN ('metadata', 'grant')),
                    PRIMARY KEY (recording_id, user)
                );

                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    time_us INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    recording_uuid TEXT,
                    detail TEXT,
                    time TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', time_us / 1000000, 'unixepoch')) VIRTUAL
                );
                CREATE INDEX audit_log_by_recording ON audit_log(recording_uuid);
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
                    SELECT RAISE(ABORT, 'the audit log is append-only');
                END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
                    SELECT RAISE(ABORT, 'the audit log is append-only');
                END;
                """)
        }
        // Recordings imported with `deferText` have no terminal text yet; `psrec index`
        // builds it and clears the mark. The partial index keeps finding them cheap however
        // large the catalog.
        migrator.registerMigration("v2: deferred text indexing") { db in
            try db.execute(sql: """
                ALTER TABLE recordings ADD COLUMN text_pending INTEGER NOT NULL DEFAULT 0 CHECK (text_pending IN (0, 1));
                CREATE INDEX recordings_text_pending ON recordings(imported_us, id) WHERE text_pending = 1;
                """)
        }
        // Live ingest: a recording is stored chunk by chunk as a capture host streams it
        // (`Catalog+Ingest.swift`); hosts authenticate with tokens (`Catalog+Hosts.swift`).
        migrator.registerMigration("v3: capture hosts and live ingest") { db in
            try db.execute(sql: """
                CREATE TABLE capture_hosts (
                    name TEXT PRIMARY KEY NOT NULL,
                    token_sha256 TEXT NOT NULL UNIQUE,
                    created_us INTEGER NOT NULL,
                    revoked_us INTEGER
                );
                ALTER TABLE recordings ADD COLUMN ingest_host TEXT;
                ALTER TABLE recordings ADD COLUMN ingest_state TEXT CHECK (ingest_state IN ('live', 'interrupted'));
                ALTER TABLE recordings ADD COLUMN ingest_seen_us INTEGER;
                ALTER TABLE recordings ADD COLUMN ingest_next_sequence INTEGER;
                ALTER TABLE recordings ADD COLUMN ingest_end_us INTEGER;
                ALTER TABLE recordings ADD COLUMN ingest_index_offset INTEGER;
                CREATE INDEX recordings_ingest_live ON recordings(ingest_seen_us) WHERE ingest_state = 'live';
                ALTER TABLE applications ADD COLUMN ingest_policy TEXT NOT NULL DEFAULT 'best-effort' CHECK (ingest_policy IN ('strict', 'best-effort'));
                """)
        }
        // Capture hosts that prove who they are with a TLS client certificate
        // (`psrec serve --client-ca`) have no token. SQLite cannot drop a NOT NULL
        // constraint, so the table is made again (https://www.sqlite.org/lang_altertable.html#otheralter);
        // nothing refers to it by foreign key. Every existing host keeps its token.
        migrator.registerMigration("v4: capture hosts authenticated by client certificate") { db in
            try db.execute(sql: """
                CREATE TABLE capture_hosts_v4 (
                    name TEXT PRIMARY KEY NOT NULL,
                    authentication TEXT NOT NULL DEFAULT 'token' CHECK (authentication IN ('token', 'certificate')),
                    token_sha256 TEXT UNIQUE,
                    created_us INTEGER NOT NULL,
                    revoked_us INTEGER,
                    CHECK ((authentication = 'token') = (token_sha256 IS NOT NULL))
                );
                INSERT INTO capture_hosts_v4 (name, authentication, token_sha256, created_us, revoked_us)
                    SELECT name, 'token', token_sha256, created_us, revoked_us FROM capture_hosts;
                DROP TABLE capture_hosts;
                ALTER TABLE capture_hosts_v4 RENAME TO capture_hosts;
                """)
        }
        // Auditors in the browser (`psrec serve --web`): a user logs in with a password that
        // `psrec user add` sets, kept only as a bcrypt hash; a disabled user cannot log in.
        // A web session is known by the SHA-256 of its cookie's token, never the token, so a
        // copy of the catalog opens no session; its CSRF token is compared with every form.
        migrator.registerMigration("v5: web users and sessions") { db in
            try db.execute(sql: """
                ALTER TABLE users ADD COLUMN password_bcrypt TEXT;
                ALTER TABLE users ADD COLUMN disabled_us INTEGER;
                CREATE TABLE web_sessions (
                    token_sha256 TEXT PRIMARY KEY NOT NULL,
                    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    created_us INTEGER NOT NULL,
                    seen_us INTEGER NOT NULL,
                    address TEXT
                );
                CREATE INDEX web_sessions_by_user ON web_sessions(user);
                """)
        }
        migrator.registerMigration("v6: web administrators") { db in
            // Who sees the web application's applications page (recording on or off,
            // retention, rights). Their recordings rights stay those `grant` gives.
            try db.execute(sql: "ALTER TABLE users ADD COLUMN web_admin INTEGER NOT NULL DEFAULT 0")
        }
        // The web player's terminal keyframes (`Catalog+Keyframes`): the screen at points of a
        // terminal recording, so that showing a moment replays at most one keyframe's spacing
        // of output. Derived from the content, built by the web server in the background, and
        // deleted with the recording. Numbered v7: v6 is the web administrators' flag.
        migrator.registerMigration("v7: terminal keyframes for the web player") { db in
            try db.execute(sql: """
                CREATE TABLE terminal_keyframes (
                    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    time_us INTEGER NOT NULL,
                    chunk_offset INTEGER NOT NULL,
                    event_index INTEGER NOT NULL,
                    columns INTEGER NOT NULL,
                    rows INTEGER NOT NULL,
                    snapshot_length INTEGER NOT NULL,
                    snapshot_zstd BLOB NOT NULL,
                    PRIMARY KEY (recording_id, ordinal)
                ) WITHOUT ROWID;
                CREATE TABLE terminal_keyframe_builds (
                    recording_id INTEGER PRIMARY KEY REFERENCES recordings(id) ON DELETE CASCADE,
                    content_bytes INTEGER NOT NULL
                );
                """)
        }
        // Leases (`Catalog+Leases`): which connection receives a streamed recording, which
        // process runs retention, until when; checked in the transactions they cover.
        migrator.registerMigration("v8: leases") { db in
            try db.execute(sql: """
                CREATE TABLE leases (
                    name TEXT PRIMARY KEY NOT NULL,
                    owner TEXT NOT NULL,
                    server TEXT NOT NULL,
                    taken_us INTEGER NOT NULL,
                    expires_us INTEGER NOT NULL
                );
                CREATE INDEX leases_by_server ON leases(server);
                CREATE INDEX leases_by_owner ON leases(owner)
                """)
        }
        // Seals (format 1.2, `Catalog+Seals`): what the chain and the signatures of each
        // recording showed when it was stored (checked against the key each seal carries;
        // NULL: not checked yet), and the keys the catalog trusts. Whether a recording is
        // sealed by a trusted key is decided when asked, so trusting a key applies at once.
        migrator.registerMigration("v9: seals") { db in
            try db.execute(sql: """
                ALTER TABLE recordings ADD COLUMN seal_status TEXT;
                ALTER TABLE recordings ADD COLUMN seal_key_id TEXT;
                ALTER TABLE recordings ADD COLUMN seal_key_fingerprint TEXT;
                ALTER TABLE recordings ADD COLUMN sealed_us INTEGER;
                ALTER TABLE recordings ADD COLUMN seal_unsealed_chunks INTEGER;
                ALTER TABLE recordings ADD COLUMN seal_problem TEXT;
                CREATE INDEX recordings_by_seal_key ON recordings(seal_key_fingerprint);
                CREATE TABLE trusted_keys (
                    fingerprint TEXT PRIMARY KEY NOT NULL,
                    key_id TEXT NOT NULL,
                    public_key BLOB NOT NULL,
                    added_us INTEGER NOT NULL,
                    added_by TEXT NOT NULL
                )
                """)
        }
        return migrator
    }
}
