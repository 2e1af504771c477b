package io.tributary.capture.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.schemas.event.ChangeEvent;
import io.tributary.schemas.event.Op;
import io.tributary.testkit.LocalPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to the source as the JDBC URL asks for it, replication connection included. The server (a PostgreSQL
 * of this test's own) accepts only TLS connections that present a client certificate of its CA for the user
 * (pg_hba {@code hostssl ... cert}), and the URL names the CA and the client's certificate and key with
 * {@code sslmode=verify-full}: a capture that copied only host, port and database into Debezium connects
 * without them and is refused.
 */
class SourceTlsIT {
    @TempDir
    Path dir;

    @Test
    void theCaptureConnectsWithTheCertificatesOfTheUrl() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")) || onPath("openssl"),
                "openssl is not installed: it makes the test's CA and certificates (Debian: apt-get install openssl)");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        makeCertificates(certs);
        try (LocalPostgres server = LocalPostgres.startPersistent(dir.resolve("data"))) {
            String plain = server.jdbcUrl("postgres");
            CaptureRun.sql(plain, "ALTER SYSTEM SET ssl = on");
            CaptureRun.sql(plain, "ALTER SYSTEM SET ssl_cert_file = '" + certs.resolve("server.crt") + "'");
            CaptureRun.sql(plain, "ALTER SYSTEM SET ssl_key_file = '" + certs.resolve("server.key") + "'");
            CaptureRun.sql(plain, "ALTER SYSTEM SET ssl_ca_file = '" + certs.resolve("ca.crt") + "'");
            CaptureRun.sql(plain, "CREATE DATABASE it_tls");
            Files.writeString(dir.resolve("data").resolve("pg_hba.conf"), """
                    hostssl all         all 127.0.0.1/32 cert
                    hostssl replication all 127.0.0.1/32 cert
                    hostssl all         all ::1/128      cert
                    hostssl replication all ::1/128      cert
                    """);
            CaptureRun.sql(plain, "SELECT pg_reload_conf()"); // this session stays; new ones need TLS and a certificate
            String url = LocalPostgres.withDatabase(plain, "it_tls") + "&sslmode=verify-full&sslrootcert=" + certs.resolve("ca.crt")
                    + "&sslcert=" + certs.resolve("client.crt") + "&sslkey=" + certs.resolve("client.pk8");
            CaptureRun.sql(url, """
                    CREATE TABLE secrets (id bigint PRIMARY KEY, v text);
                    INSERT INTO secrets VALUES (1, 'snapshot');
                    """);
            try (CaptureRun run = new CaptureRun(dir, "tls", url)) {
                run.pipeline("secrets").start();
                run.read("secrets", Duration.ofSeconds(120), e -> !e.isEmpty());
                CaptureRun.sql(url, "INSERT INTO secrets VALUES (2, 'streamed')");
                List<ChangeEvent> events = run.read("secrets", Duration.ofSeconds(120), e -> e.stream().anyMatch(x -> x.op() == Op.CREATE));
                assertEquals("streamed", events.stream().filter(x -> x.op() == Op.CREATE).findFirst().orElseThrow().after().get("v").toString());
            }
        }
    }

    /** A CA, a server certificate for localhost and a client certificate for the user postgres, made by openssl. */
    private static void makeCertificates(Path d) throws Exception {
        openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=tributary-test-ca",
                "-keyout", "ca.key", "-out", "ca.crt");
        openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
        Files.writeString(d.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n");
        openssl(d, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", "server.ext", "-out", "server.crt");
        openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=postgres", "-keyout", "client.key", "-out", "client.csr");
        openssl(d, "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", "client.crt");
        // pgjdbc reads a client key in PKCS-8 DER
        openssl(d, "pkcs8", "-topk8", "-nocrypt", "-in", "client.key", "-outform", "DER", "-out", "client.pk8");
        for (String key : List.of("server.key", "client.key", "client.pk8", "ca.key")) {
            Files.setPosixFilePermissions(d.resolve(key), PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "openssl " + String.join(" ", args) + " did not end");
        assertEquals(0, p.exitValue(), "openssl " + String.join(" ", args) + ": " + out);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        return java.util.Arrays.stream(path.split(java.io.File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
