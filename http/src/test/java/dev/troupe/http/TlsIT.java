package dev.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
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
        "troupe.http.tls.key-store-password = \"" + PASSWORD + "\""));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static HttpClient trustingOurCertificate() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      trusted.load(in, PASSWORD.toCharArray());
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
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
}
