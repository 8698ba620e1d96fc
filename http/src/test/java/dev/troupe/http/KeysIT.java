package dev.troupe.http;

import static dev.troupe.http.TestServer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import dev.troupe.persistence.EmbeddedJournal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys created over the API: shown once, stored as hashes only, usable at once, listed without
 * secrets, revocable, and still valid (or still revoked) after a restart.
 */
class KeysIT {
  private static final String ADMIN = "keys-admin-key-000000001";
  private static final String ACME_ADMIN = "keys-acme-admin-key-0001";
  private static final String SUBMITTER = "keys-submitter-key-00001";
  private static final String CONFIG = String.join("\n",
      "troupe.auth.admin-key = \"" + ADMIN + "\"",
      "troupe.auth.keys = [",
      "  { name = acme-admin, sha256 = \"" + ApiKeys.sha256Hex(ACME_ADMIN) + "\", tenant = acme, roles = [admin] },",
      "  { name = sam, sha256 = \"" + ApiKeys.sha256Hex(SUBMITTER) + "\", tenant = default, roles = [submitter] }",
      "]");

  @TempDir
  Path dataDir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<String> delete(String path, String key) throws Exception {
    return server.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + key).DELETE());
  }

  private long journalRowsContaining(String text) throws Exception {
    try (Connection db = DriverManager.getConnection(EmbeddedJournal.jdbcUrl(dataDir), EmbeddedJournal.USER, "");
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery("SELECT \"event_payload\" FROM \"event_journal\"")) {
      long found = 0;
      while (rows.next()) {
        if (new String(rows.getBytes(1), java.nio.charset.StandardCharsets.UTF_8).contains(text)) {
          found++;
        }
      }
      return found;
    }
  }

  @Test
  void anAdminCreatesAKeyThatWorksAtOnceIsStoredAsAHashAndCanBeRevokedDurably() throws Exception {
    server = TestServer.start(dataDir, CONFIG);
    HttpResponse<String> created = server.postJson("/v1/keys", ADMIN,
        "{\"name\": \"ci\", \"tenant\": \"acme\", \"roles\": [\"submitter\", \"auditor\"]}");
    assertEquals(201, created.statusCode(), created.body());
    String key = json(created).get("key").asText();
    assertTrue(key.startsWith("trp_") && key.length() > 40, key);
    assertEquals("acme", json(created).get("tenant").asText());
    assertEquals("admin", json(created).get("createdBy").asText());

    // Usable at once, with its roles and tenant.
    HttpResponse<String> submitted = server.postJson("/v1/tasks", key,
        "{\"capability\": \"text.summarize\", \"input\": {\"text\": \"Anvils are heavy.\"}}");
    assertEquals(202, submitted.statusCode(), submitted.body());
    assertEquals(403, server.get("/v1/keys", key).statusCode(), "not an admin");
    // Listed by the tenant's admin, without the key or its hash; other tenants do not see it.
    String listed = server.get("/v1/keys", ACME_ADMIN).body();
    assertTrue(listed.contains("\"name\":\"ci\"") && !listed.contains(key)
        && !listed.contains(ApiKeys.sha256Hex(key)), listed);
    assertFalse(server.get("/v1/keys", ADMIN).body().contains("\"ci\""));
    assertTrue(server.get("/v1/keys?tenant=acme", ADMIN).body().contains("\"name\":\"ci\""), "the operator may look");
    assertEquals(403, server.get("/v1/keys?tenant=default", ACME_ADMIN).statusCode());
    // The journal holds the hash, never the key.
    assertEquals(0, journalRowsContaining(key));
    assertEquals(1, journalRowsContaining(ApiKeys.sha256Hex(key)));

    // Rules: admins only, one name per tenant, own tenant unless operator, bad bodies refused.
    assertEquals(403, server.postJson("/v1/keys", SUBMITTER, "{\"name\": \"x\", \"roles\": [\"submitter\"]}")
        .statusCode());
    assertEquals(409, server.postJson("/v1/keys", ACME_ADMIN, "{\"name\": \"ci\", \"roles\": [\"approver\"]}")
        .statusCode());
    assertEquals(409, server.postJson("/v1/keys", ACME_ADMIN, "{\"name\": \"acme-admin\", \"roles\": [\"admin\"]}")
        .statusCode(), "a configured key's name");
    assertEquals(403, server.postJson("/v1/keys", ACME_ADMIN,
        "{\"name\": \"y\", \"tenant\": \"globex\", \"roles\": [\"admin\"]}").statusCode());
    for (String bad : new String[] {"{\"name\": \"z\"}", "{\"name\": \"z\", \"roles\": []}",
        "{\"name\": \"z\", \"roles\": [\"root\"]}", "{\"name\": \"z z\", \"roles\": [\"admin\"]}",
        "{\"name\": \"z\", \"roles\": [\"admin\"], \"expires\": 1}", "[]", "{"}) {
      HttpResponse<String> response = server.postJson("/v1/keys", ADMIN, bad);
      assertEquals(400, response.statusCode(), bad + " -> " + response.body());
      assertTrue(response.headers().firstValue("Content-Type").orElse("").contains("problem+json"));
    }

    // Survives a restart.
    server.close();
    server = TestServer.start(dataDir, CONFIG);
    assertEquals(200, server.get("/v1/tasks", key).statusCode(), "a created key is loaded before the node is ready");

    // Revoked: refused at once, and after a restart.
    assertEquals(404, delete("/v1/keys/nope", ACME_ADMIN).statusCode());
    assertEquals(404, delete("/v1/keys/acme-admin", ACME_ADMIN).statusCode(), "configured keys live in config");
    assertEquals(204, delete("/v1/keys/ci", ACME_ADMIN).statusCode());
    assertEquals(401, server.get("/v1/tasks", key).statusCode());
    server.close();
    server = TestServer.start(dataDir, CONFIG);
    assertEquals(401, server.get("/v1/tasks", key).statusCode());
  }
}
