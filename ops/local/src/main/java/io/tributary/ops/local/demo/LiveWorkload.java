package io.tributary.ops.local.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live changes in the demo's PostgreSQL monolith while the pipeline runs: small transactions inserting,
 * updating and deleting trades, moving positions, logging AI decisions and beating agent heartbeats, at a
 * bounded rate, until stopped.
 */
final class LiveWorkload implements Runnable {
    private final String url;
    private final int transactionsPerSecond;
    private final long untilMillis;
    private final AtomicLong rowChanges = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private volatile Exception failure;

    LiveWorkload(String url, int transactionsPerSecond, long durationMillis) {
        this.url = url;
        this.transactionsPerSecond = transactionsPerSecond;
        this.untilMillis = System.currentTimeMillis() + durationMillis;
    }

    long rowChanges() {
        return rowChanges.get();
    }

    long transactions() {
        return transactions.get();
    }

    Exception failure() {
        return failure;
    }

    @Override
    public void run() {
        Random r = new Random(7);
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            while (System.currentTimeMillis() < untilMillis && !Thread.currentThread().isInterrupted()) {
                try (Statement s = c.createStatement()) {
                    int n = 0;
                    switch (r.nextInt(5)) {
                        case 0 -> n += s.executeUpdate("INSERT INTO trades (strategy_id, symbol, side, qty, price, fee, executed_at, trade_uuid) "
                                + "SELECT 1 + (random() * 4)::int, 'BTC-USD', 'BUY', round((random() * 2)::numeric, 8), round((random() * 70000)::numeric, 8), "
                                + "random() / 7, clock_timestamp(), gen_random_uuid() FROM generate_series(1, " + (1 + r.nextInt(5)) + ")");
                        case 1 -> n += s.executeUpdate("UPDATE positions SET qty = qty + 0.00000001 * " + r.nextInt(1000)
                                + ", unrealized_pnl = random() * 1000, updated_at = clock_timestamp() WHERE id % 17 = " + r.nextInt(17));
                        case 2 -> n += s.executeUpdate("DELETE FROM trades WHERE id IN (SELECT id FROM trades ORDER BY random() LIMIT 2)");
                        case 3 -> n += s.executeUpdate("INSERT INTO ai_decisions (strategy_id, decided_at, action, confidence, features, trading_day, latency_ms) "
                                + "VALUES (1, clock_timestamp(), 'buy', 0.75, '{\"rsi\": 31.4}', current_date, " + r.nextInt(300) + ")");
                        default -> n += s.executeUpdate("UPDATE agent_status SET heartbeat = clock_timestamp(), state = '"
                                + (r.nextBoolean() ? "busy" : "idle") + "' WHERE agent_id = 'agent-" + (1 + r.nextInt(10)) + "'");
                    }
                    c.commit();
                    rowChanges.addAndGet(n);
                    transactions.incrementAndGet();
                }
                long due = start + transactions.get() * 1_000_000_000L / transactionsPerSecond;
                long sleep = (due - System.nanoTime()) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
        } catch (SQLException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
