package io.tributary.ops.docker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads an image tarball as {@code docker save} (and Jib's buildTar) writes it, streaming: the small JSON files
 * (manifest.json, the config) whole, and of each gzipped layer only its file names. A minimal ustar/PAX reader,
 * enough for these files; not a general tar library.
 */
record ImageTarball(Map<String, byte[]> json, Map<String, Set<String>> layers) {
    interface EntryReader {
        void read(String name, InputStream data) throws IOException;
    }

    static ImageTarball read(Path tar) throws IOException {
        Map<String, byte[]> json = new LinkedHashMap<>();
        Map<String, Set<String>> layers = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(tar)) {
            walk(in, (name, data) -> {
                if (name.endsWith(".json")) {
                    json.put(name, data.readAllBytes());
                } else if (name.endsWith(".tar.gz")) {
                    Set<String> files = new LinkedHashSet<>();
                    walk(new GZIPInputStream(data), (file, ignored) -> files.add(file));
                    layers.put(name, files);
                }
            });
        }
        return new ImageTarball(json, layers);
    }

    /** Hands each entry of a tar stream to {@code reader} with a stream of exactly its content. */
    static void walk(InputStream tar, EntryReader reader) throws IOException {
        byte[] header = new byte[512];
        String paxPath = null;
        while (tar.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
            String size = field(header, 124, 12).trim();
            long length = size.isEmpty() ? 0 : Long.parseLong(size, 8);
            char type = (char) header[156];
            Bounded data = new Bounded(tar, length);
            if (type == 'x') {
                paxPath = paxPath(new String(data.readAllBytes(), StandardCharsets.UTF_8));
            } else if (type != 'g') {
                String prefix = field(header, 345, 155);
                String name = paxPath != null ? paxPath : prefix.isEmpty() ? field(header, 0, 100) : prefix + "/" + field(header, 0, 100);
                paxPath = null;
                reader.read(name, data);
            }
            data.skipNBytes(data.remaining);
            tar.skipNBytes((512 - length % 512) % 512);
        }
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    /** The {@code path} record of a PAX extended header ("LEN key=value\n" records), or null. */
    private static String paxPath(String records) {
        for (String r : records.split("\n")) {
            int sp = r.indexOf(' ');
            if (sp > 0 && r.startsWith("path=", sp + 1)) {
                return r.substring(sp + 1 + "path=".length());
            }
        }
        return null;
    }

    /** The next {@code remaining} bytes of a stream, and not one more. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long remaining;

        Bounded(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int b = in.read();
            remaining -= b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            remaining -= Math.max(n, 0);
            return n;
        }

        @Override
        public void close() {
            // the outer tar stays open for the next entry
        }
    }
}
