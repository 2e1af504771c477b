package io.tributary.common.lease;

import java.nio.file.Path;

/** A process of its own that takes the file lease of the database named by {@code args[0]}, says so, and holds it until killed. */
public final class FileLeaseHolder {
    private FileLeaseHolder() {
    }

    public static void main(String[] args) throws Exception {
        FileLease lease = new FileLease(Path.of(args[0]));
        System.out.println(lease.tryAcquire() ? "held" : "refused");
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await();
    }
}
