"""The experiments application of docker/compose.yaml: a SQLite database in WAL mode that it keeps writing
(a new experiment now and then, a metric every second), for capture-sqlite to tail.

It shares the /data volume with capture-sqlite, which must run on the same host and, like every SQLite reader
in WAL mode, needs write access to the -shm index: both run as uid 10001 (this process gives /data to that
user, then drops root before it opens the database).
"""
import os
import random
import sqlite3
import time

UID = 10001
DB = os.environ.get("EXPERIMENTS_DB", "/data/experiments.db")

os.chown(os.path.dirname(DB), UID, UID)
os.setgid(UID)
os.setuid(UID)

db = sqlite3.connect(DB, timeout=5, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA busy_timeout = 5000")
db.executescript("""
CREATE TABLE IF NOT EXISTS experiments (id INTEGER PRIMARY KEY, name TEXT NOT NULL, is_running BOOLEAN NOT NULL,
                                        created_at DATETIME NOT NULL);
CREATE TABLE IF NOT EXISTS experiment_metrics (id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL,
                                               metric_name TEXT NOT NULL, metric_value REAL NOT NULL,
                                               recorded_at DATETIME NOT NULL);
""")
print("experiments app writing to", DB, flush=True)
experiment = None
while True:
    if experiment is None or random.random() < 0.02:
        if experiment is not None:
            db.execute("UPDATE experiments SET is_running = 0 WHERE id = ?", (experiment,))
        experiment = db.execute("INSERT INTO experiments (name, is_running, created_at) VALUES (?, 1, datetime('now')) RETURNING id",
                                (f"run-{int(time.time())}",)).fetchone()[0]
    db.execute("INSERT INTO experiment_metrics (experiment_id, metric_name, metric_value, recorded_at) "
               "VALUES (?, 'loss', ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))", (experiment, random.random()))
    time.sleep(1)
