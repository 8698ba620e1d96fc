package dev.troupe.http;

import dev.troupe.config.HttpSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** The server's TLS context, from the configured key store (TLS 1.2 and 1.3, the JDK's defaults). */
final class HttpsContext {
  private HttpsContext() {}

  static SSLContext of(HttpSettings.Tls tls) {
    char[] password = tls.keyStorePassword().toCharArray();
    try (InputStream in = Files.newInputStream(tls.keyStore())) {
      KeyStore store = KeyStore.getInstance(tls.keyStoreType());
      store.load(in, password);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("troupe.http.tls: cannot use the key store " + tls.keyStore() + ": "
          + e.getMessage(), e);
    }
  }
}
