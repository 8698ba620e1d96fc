package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS with a configured key store: the API answers over TLS, and only over TLS. */
class TlsIT {
  private static final String KEY = "tls-admin-key-0000000001";
  private static final String PASSWORD = "changeit-please";

  @TempDir
  static Path dataDir;
  private static Path keyStore;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    keyStore = dataDir.resolve("server.p12");
    // A self-signed certificate for 127.0.0.1, made with the JDK's own keytool.
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "troupe", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
        "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, keytool.exitValue(), new String(keytool.getInputStream().readAllBytes()));
    server = TestServer.start(dataDir.resolve("node"), String.join("\n",
        "troupe.auth.admin-key = \"" + KEY + "\"",
        "troupe.http.tls.enabled = on",
        "troupe.http.tls.key-store = \"" + keyStore.toString().replace("\\", "/") + "\"",
        "troupe.http.tls.key-store-password = \"" + PASSWORD + "\"",
        "troupe.http.header-read-timeout = 1s"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static SSLContext trusting() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      trusted.load(in, PASSWORD.toCharArray());
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  private static HttpClient trustingOurCertificate() throws Exception {
    return HttpClient.newBuilder().sslContext(trusting()).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Test
  void theApiAnswersOverHttpsAndNotOverPlainHttp() throws Exception {
    URI https = URI.create(server.uri("/v1/agents").toString().replace("http://", "https://"));
    HttpResponse<String> agents = trustingOurCertificate().send(HttpRequest.newBuilder(https)
        .header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(15)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, agents.statusCode(), agents.body());
    assertTrue(agents.body().contains("summarizer-1"));
    assertThrows(java.io.IOException.class, () -> server.get("/v1/agents", KEY), "plain HTTP is not served");
  }

  @Test
  void aHeadTrickledInOverTlsIsAnswered408() throws Exception {
    int port = server.uri("/").getPort();
    try (SSLSocket socket = (SSLSocket) trusting().getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(8_000);
      socket.startHandshake();
      var out = socket.getOutputStream();
      long started = System.nanoTime();
      out.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < 20; i++) {
            Thread.sleep(300);
            out.write(("X-Slow-" + i + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
        } catch (Exception closed) {
          // the server closed the connection
        }
      });
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(answer.startsWith("HTTP/1.1 408 Request Timeout"), answer);
      assertTrue(answer.contains("application/problem+json"), answer);
      assertTrue(tookMs < 5_000, "closed near the 1 s limit: " + tookMs + " ms");
    }
  }

  @Test
  void aHandshakeThatNeverFinishesIsCutOffAtTheLimit() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.uri("/").getPort())) {
      socket.setSoTimeout(8_000);
      long started = System.nanoTime();
      socket.getOutputStream().write(0x16); // the first byte of a ClientHello, and then nothing
      socket.getOutputStream().flush();
      int read;
      try {
        read = socket.getInputStream().read();
        while (read != -1) {
          read = socket.getInputStream().read(); // TLS may say why before it closes
        }
      } catch (java.net.SocketException reset) {
        read = -1;
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertEquals(-1, read);
      assertTrue(tookMs < 5_000, "closed near the 1 s limit, not the idle timeout: " + tookMs + " ms");
    }
  }
}
