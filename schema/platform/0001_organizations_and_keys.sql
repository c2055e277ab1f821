-- Organizations and API keys of the whole installation. A change inserts the new state of
-- a row with a higher Version; reads take the newest version of each row (FINAL).
CREATE TABLE IF NOT EXISTS {{db}}.organizations {{on_cluster}} (
    Id String,
    Name String,
    CreatedAt DateTime64(3, 'UTC'),
    UpdatedAt DateTime64(3, 'UTC'),
    Deleted UInt8,
    Version UInt64
) ENGINE = {{engine:ReplacingMergeTree:Version}}
ORDER BY Id;

CREATE TABLE IF NOT EXISTS {{db}}.api_keys {{on_cluster}} (
    Id String,
    -- The key's organization; empty for a platform administrator's key.
    Org String,
    Name String,
    Role LowCardinality(String),
    -- Hex SHA-256 of the key; the key itself is never stored.
    Hash String,
    -- The key's first characters, shown to tell keys apart.
    Prefix String,
    CreatedAt DateTime64(3, 'UTC'),
    CreatedBy String,
    ExpiresAt Nullable(DateTime64(3, 'UTC')),
    RevokedAt Nullable(DateTime64(3, 'UTC')),
    Version UInt64
) ENGINE = {{engine:ReplacingMergeTree:Version}}
ORDER BY Id;
