package io.tributary.ops.reconcile;

/** Told how far a comparison has got, for a person watching a long table. Called on the comparing thread. */
public interface Progress {
    Progress NONE = new Progress() {
        @Override
        public void table(String service, String table, long sourceRows) {
        }

        @Override
        public void rows(long done) {
        }

        @Override
        public void done() {
        }
    };

    /** A table's comparison starts; {@code sourceRows} is how many source rows are in scope. */
    void table(String service, String table, long sourceRows);

    /** Source rows walked so far in the current table. */
    void rows(long done);

    /** The current table is finished. */
    void done();
}
