package io.tributary.ops.local.demo;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;

/**
 * The demo's two sources: the trading monolith on PostgreSQL (users, strategies, trades, positions,
 * ai_decisions, agent_status) and the ML-experiments database on SQLite (experiments, experiment_metrics,
 * model_checkpoints, regime_history), in WAL mode, filled with data that exercises the types that break
 * other tools: numeric(18,8), double precision, jsonb and json, uuid, bytea, timestamptz, SQLite 0/1
 * booleans, naive UTC datetime text and JSON text.
 */
final class DemoData {
    private DemoData() {
    }

    static void createMonolith(Connection c, int scale) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("""
                CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, display_name varchar(80),
                  is_active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now(), preferences jsonb);
                CREATE TABLE strategies (id serial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), name varchar(100) NOT NULL,
                  params jsonb NOT NULL, enabled boolean NOT NULL, created_at timestamptz);
                CREATE TABLE trades (id bigserial PRIMARY KEY, strategy_id int NOT NULL REFERENCES strategies(id), symbol varchar(16) NOT NULL,
                  side char(4) NOT NULL, qty numeric(18,8) NOT NULL, price numeric(18,8) NOT NULL, fee double precision,
                  executed_at timestamptz NOT NULL, trade_uuid uuid NOT NULL, notes text);
                CREATE TABLE positions (id serial PRIMARY KEY, user_id bigint NOT NULL, symbol varchar(16) NOT NULL, qty numeric(18,8) NOT NULL,
                  avg_price numeric(18,8), unrealized_pnl double precision, updated_at timestamptz NOT NULL);
                CREATE TABLE ai_decisions (id bigserial PRIMARY KEY, strategy_id int, decided_at timestamptz NOT NULL, action text NOT NULL,
                  confidence real, features jsonb, raw bytea, trading_day date, latency_ms smallint, decided_local timestamp);
                CREATE TABLE agent_status (agent_id text PRIMARY KEY, state text NOT NULL, heartbeat timestamptz, metadata json);
                """);
            s.execute("INSERT INTO users (email, display_name, is_active, created_at, preferences) SELECT 'user' || g || '@example.com', "
                    + "'User ' || g, g % 7 <> 0, timestamptz '2024-01-01 00:00:00+00' + g * interval '37 minutes 13.123456 seconds', "
                    + "jsonb_build_object('theme', CASE WHEN g % 2 = 0 THEN 'dark' ELSE 'light' END, 'limits', jsonb_build_array(g, g * 2)) "
                    + "FROM generate_series(1, " + 20 * scale + ") g");
            s.execute("INSERT INTO strategies (user_id, name, params, enabled, created_at) SELECT 1 + g % " + 20 * scale + ", 'strategy-' || g, "
                    + "jsonb_build_object('window', g % 50, 'threshold', (g % 100) / 100.0), g % 3 <> 0, now() - g * interval '1 hour' "
                    + "FROM generate_series(1, " + 5 * scale + ") g");
            s.execute("INSERT INTO trades (strategy_id, symbol, side, qty, price, fee, executed_at, trade_uuid, notes) SELECT 1 + g % " + 5 * scale + ", "
                    + "(ARRAY['BTC-USD','ETH-USD','SOL-USD','AAPL','MSFT'])[1 + g % 5], CASE WHEN g % 2 = 0 THEN 'BUY' ELSE 'SELL' END, "
                    + "round((random() * 10)::numeric, 8), round((random() * 70000)::numeric, 8), random() / 3, "
                    + "now() - g * interval '1 second 1 microsecond', gen_random_uuid(), CASE WHEN g % 10 = 0 THEN repeat('note ', 50) END "
                    + "FROM generate_series(1, " + 2000 * scale + ") g");
            s.execute("INSERT INTO positions (user_id, symbol, qty, avg_price, unrealized_pnl, updated_at) SELECT 1 + g % " + 20 * scale + ", "
                    + "(ARRAY['BTC-USD','ETH-USD','SOL-USD','AAPL','MSFT'])[1 + g % 5], round((random() * 100)::numeric, 8), "
                    + "round((random() * 70000)::numeric, 8), (random() - 0.5) * 1e4, now() FROM generate_series(1, " + 50 * scale + ") g");
            s.execute("INSERT INTO ai_decisions (strategy_id, decided_at, action, confidence, features, raw, trading_day, latency_ms, decided_local) "
                    + "SELECT 1 + g % " + 5 * scale + ", now() - g * interval '3 seconds', (ARRAY['hold','buy','sell'])[1 + g % 3], random()::real, "
                    + "jsonb_build_object('rsi', random() * 100, 'macd', random() - 0.5), decode(md5(g::text), 'hex'), current_date - g % 30, "
                    + "(g % 500)::smallint, localtimestamp - g * interval '3 seconds' FROM generate_series(1, " + 500 * scale + ") g");
            s.execute("INSERT INTO agent_status SELECT 'agent-' || g, 'idle', now(), ('{\"version\": \"1.' || g || '\",  \"spaces\" : true}')::json "
                    + "FROM generate_series(1, 10) g");
        }
    }

    /**
     * The ML platform's own migration, run on its target before the pipeline starts, as the plan's DDL writes it:
     * the sink writes into these declared types (SQLite INTEGER into SERIAL, TEXT into VARCHAR, naive DATETIME
     * text into a naive TIMESTAMP, JSON into JSONB) instead of creating the table itself.
     */
    static void createMlPlatformMigration(Connection target) throws SQLException {
        try (Statement s = target.createStatement()) {
            s.execute("CREATE TABLE experiments (id SERIAL PRIMARY KEY, experiment_name VARCHAR(255) NOT NULL, model_type VARCHAR(50) NOT NULL, "
                    + "config JSONB NOT NULL, created_at TIMESTAMP, status VARCHAR(20) DEFAULT 'running')");
        }
    }

    static void createExperiments(Path file, int scale) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("CREATE TABLE experiments (id INTEGER PRIMARY KEY, experiment_name TEXT NOT NULL, model_type TEXT NOT NULL, "
                        + "config JSON NOT NULL, created_at DATETIME, status TEXT DEFAULT 'running')");
                s.execute("CREATE TABLE experiment_metrics (time DATETIME NOT NULL, experiment_id INTEGER, metric_name TEXT NOT NULL, "
                        + "metric_value REAL NOT NULL, step INTEGER, epoch INTEGER)");
                s.execute("CREATE TABLE model_checkpoints (id INTEGER PRIMARY KEY, experiment_id INTEGER, checkpoint_path TEXT NOT NULL, "
                        + "sharpe_ratio REAL, validation_loss REAL, created_at DATETIME, is_production BOOLEAN DEFAULT 0, file_size_mb REAL)");
                s.execute("CREATE TABLE regime_history (id INTEGER PRIMARY KEY, time DATETIME NOT NULL UNIQUE, prob_bull REAL, prob_bear REAL, prob_sideways REAL, entropy REAL)");
            }
            c.setAutoCommit(false);
            Random r = new Random(42);
            try (PreparedStatement e = c.prepareStatement("INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?)");
                 PreparedStatement m = c.prepareStatement("INSERT INTO experiment_metrics VALUES (?, ?, ?, ?, ?, ?)");
                 PreparedStatement k = c.prepareStatement("INSERT INTO model_checkpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement h = c.prepareStatement("INSERT INTO regime_history (time, prob_bull, prob_bear, prob_sideways, entropy) VALUES (?, ?, ?, ?, ?)")) {
                int experiments = 10 * scale;
                for (int i = 1; i <= experiments; i++) {
                    e.setInt(1, i);
                    e.setString(2, "exp-" + i);
                    e.setString(3, i % 2 == 0 ? "lstm" : "transformer");
                    e.setString(4, "{\"lr\": " + (0.001 * i) + ", \"layers\": [" + i + ", 64],  \"note\": \"naïve ✓\"}");
                    e.setString(5, String.format("2025-01-%02d %02d:%02d:%02d", 1 + i % 28, i % 24, i % 60, (i * 7) % 60));
                    e.setString(6, i % 5 == 0 ? "done" : "running");
                    e.addBatch();
                }
                e.executeBatch();
                for (int i = 1; i <= 5000 * scale; i++) {
                    m.setString(1, String.format("2025-02-01 %02d:%02d:%02d.%03d", (i / 3600) % 24, (i / 60) % 60, i % 60, i % 1000));
                    m.setInt(2, 1 + i % experiments);
                    m.setString(3, (i % 3 == 0) ? "loss" : (i % 3 == 1) ? "sharpe" : "accuracy");
                    m.setDouble(4, i % 11 == 0 ? (double) (i % 5) : r.nextGaussian()); // some whole-number REALs
                    m.setInt(5, i);
                    m.setInt(6, i / 100);
                    m.addBatch();
                }
                m.executeBatch();
                checkpointsAndRegimes(k, h, scale, experiments, r);
            }
            c.commit();
        }
    }

    /** The model_checkpoints and regime_history rows of {@link #createExperiments}. */
    private static void checkpointsAndRegimes(PreparedStatement k, PreparedStatement h, int scale, int experiments, Random r) throws SQLException {
        for (int i = 1; i <= 30 * scale; i++) {
            k.setInt(1, i);
            k.setInt(2, 1 + i % experiments);
            k.setString(3, "/models/exp-" + (1 + i % experiments) + "/ckpt-" + i + ".pt");
            k.setDouble(4, r.nextDouble() * 3);
            k.setDouble(5, r.nextDouble());
            k.setString(6, String.format("2025-03-%02d %02d:00:00", 1 + i % 28, i % 24));
            k.setInt(7, i % 10 == 0 ? 1 : 0);
            k.setDouble(8, 100 + r.nextDouble() * 900);
            k.addBatch();
        }
        k.executeBatch();
        for (int i = 0; i < 500 * scale; i++) {
            double bull = r.nextDouble() * 0.5;
            double bear = r.nextDouble() * 0.5;
            h.setString(1, String.format("2025-04-01T%02d:%02d:%02dZ", (i / 3600) % 24, (i / 60) % 60, i % 60).replace("2025-04-01", "2025-04-" + String.format("%02d", 1 + i / 86400)));
            h.setDouble(2, bull);
            h.setDouble(3, bear);
            h.setDouble(4, 1.0 - bull - bear);
            h.setDouble(5, r.nextDouble());
            h.addBatch();
        }
        h.executeBatch();
    }
}
