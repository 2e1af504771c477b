#!/bin/sh
# The trading monolith's schema, and the capture's role: REPLICATION for the slot, member of the role that
# owns the tables (Debezium creates and alters the publication FOR the listed tables, which takes ownership),
# CREATE on the database (for the publication). Run once by the postgres image on an empty data directory.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE monolith_app NOLOGIN;
CREATE TABLE trades (
  id bigint PRIMARY KEY, symbol varchar(16) NOT NULL, side char(4) NOT NULL, qty numeric(18,8) NOT NULL,
  price numeric(18,8) NOT NULL, executed_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE positions (user_id bigint, symbol text, qty numeric(18,8) NOT NULL, PRIMARY KEY (user_id, symbol));
ALTER TABLE trades OWNER TO monolith_app;
ALTER TABLE positions OWNER TO monolith_app;
CREATE ROLE cdc LOGIN REPLICATION PASSWORD '${MONOLITH_CDC_PASSWORD}' IN ROLE monolith_app;
GRANT CREATE ON DATABASE ${POSTGRES_DB} TO cdc;
INSERT INTO trades (id, symbol, side, qty, price) VALUES (1, 'BTC-USD', 'BUY', 0.5, 61000), (2, 'ETH-USD', 'SELL', 3, 3100);
INSERT INTO positions VALUES (1, 'BTC-USD', 0.5), (2, 'ETH-USD', -3);
SQL
