package dev.troupe.http;

import static dev.troupe.http.TestServer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.http.auth.ApiKeys;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The approvals console in a real headless Chromium (Debian's chromium and chromium-driver,
 * installed by scripts/install-test-browser.sh): sign in, approve one action, reject another, and
 * check through the API that the tasks went on and the journal holds both decisions.
 */
class ConsoleIT {
  private static final String ADMIN = "console-admin-key-000001";
  private static final String SUBMITTER = "console-submitter-key-001";
  private static final String APPROVER = "console-approver-key-0001";
  private static final String CHROMIUM = System.getProperty("troupe.test.chromium", "/usr/bin/chromium");
  private static final String CHROMEDRIVER = System.getProperty("troupe.test.chromedriver", "/usr/bin/chromedriver");

  @TempDir
  static Path dataDir;
  private static TestServer server;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
      throw new IllegalStateException("the console test needs " + CHROMIUM + " and " + CHROMEDRIVER
          + ": run scripts/install-test-browser.sh (Debian's chromium and chromium-driver)");
    }
    server = TestServer.start(dataDir, String.join("\n",
        "troupe.auth.admin-key = \"" + ADMIN + "\"",
        "troupe.auth.keys = [",
        "  { name = sam, sha256 = \"" + ApiKeys.sha256Hex(SUBMITTER) + "\", tenant = default, roles = [submitter] },",
        "  { name = ada, sha256 = \"" + ApiKeys.sha256Hex(APPROVER) + "\", tenant = default, roles = [approver] }",
        "]"));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1400", "--user-data-dir=" + dataDir.resolve("chromium-profile"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().window().setSize(new Dimension(1280, 1400));
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  private static String onboard(String client) throws Exception {
    HttpResponse<String> accepted = server.postJson("/v1/tasks", SUBMITTER, "{\"workflow\": \"client-onboarding\","
        + " \"input\": {\"client\": \"" + client + "\", \"documents\": [\"" + client + " makes anvils.\"],"
        + " \"monthlyFeeEur\": 4000}}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    return json(accepted).get("taskId").asText();
  }

  private static JsonNode awaitStatus(String taskId, String status) throws Exception {
    return server.await("/v1/tasks/" + taskId, ADMIN, task -> task.get("status").asText().equals(status),
        taskId + " reached " + status);
  }

  private static WebElement cardFor(String taskId) {
    return browser.findElements(By.cssSelector("article.approval")).stream()
        .filter(card -> card.getText().contains(taskId)).findFirst()
        .orElseThrow(() -> new AssertionError("no approval card for " + taskId));
  }

  @Test
  void anApproverSignsInApprovesOneActionRejectsAnotherAndTheTasksGoOn() throws Exception {
    String acme = onboard("Acme Ltd");
    String globex = onboard("Globex Corp");
    awaitStatus(acme, "WAITING_APPROVAL");
    awaitStatus(globex, "WAITING_APPROVAL");
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));

    browser.get(server.uri("/console").toString());
    assertEquals("Troupe approvals", browser.getTitle());
    // A wrong key is refused with a message, and nothing else shows.
    browser.findElement(By.id("api-key")).sendKeys("not-a-key");
    browser.findElement(By.cssSelector("#login-form button[type=submit]")).click();
    wait.until(ExpectedConditions.textToBe(By.id("status"), "That key was not accepted."));
    assertTrue(browser.findElement(By.id("login")).isDisplayed());

    browser.findElement(By.id("api-key")).clear();
    browser.findElement(By.id("api-key")).sendKeys(APPROVER);
    browser.findElement(By.cssSelector("#login-form button[type=submit]")).click();
    wait.until(driver -> driver.findElements(By.cssSelector("article.approval")).size() == 2);
    wait.until(driver -> driver.findElements(By.cssSelector("#tasks tbody tr")).size() >= 2);

    WebElement acmeCard = cardFor(acme);
    assertTrue(acmeCard.getText().contains("billing.trigger"), acmeCard.getText());
    assertTrue(acmeCard.getText().contains("irreversible"), acmeCard.getText());
    assertTrue(acmeCard.findElement(By.cssSelector("pre.input")).getText().contains("\"amountEur\": 4000"));
    assertTrue(acmeCard.findElement(By.cssSelector("p.reason")).getText().contains("Acme Ltd"));
    Path screenshot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(screenshot, Path.of("target", "console.png"), StandardCopyOption.REPLACE_EXISTING);

    acmeCard.findElement(By.tagName("textarea")).sendKeys("fee agreed");
    acmeCard.findElement(By.cssSelector("button[data-action=approve]")).click();
    wait.until(ExpectedConditions.textToBe(By.id("status"), "Approved billing.trigger for task " + acme + "."));
    wait.until(driver -> driver.findElements(By.cssSelector("article.approval")).size() == 1);

    WebElement globexCard = cardFor(globex);
    globexCard.findElement(By.tagName("textarea")).sendKeys("wrong fee");
    globexCard.findElement(By.cssSelector("button[data-action=reject]")).click();
    wait.until(ExpectedConditions.textToBe(By.id("status"), "Rejected billing.trigger for task " + globex + "."));
    wait.until(driver -> driver.findElements(By.cssSelector("article.approval")).isEmpty());

    // The tasks went on: the approved billing ran and completed its task, the rejected one failed it.
    awaitStatus(acme, "COMPLETED");
    JsonNode failed = awaitStatus(globex, "FAILED");
    assertTrue(failed.get("error").asText().contains("rejected by ada: wrong fee"), failed.toString());
    // The journal records who decided what, with the comment.
    assertEquals("fee agreed", decision(acme, "ApprovalGranted").get("event").get("comment").asText());
    assertEquals("ada", decision(acme, "ApprovalGranted").get("stamp").get("actor").get("id").asText());
    assertEquals("wrong fee", decision(globex, "ApprovalRejected").get("event").get("comment").asText());
    assertEquals("ada", decision(globex, "ApprovalRejected").get("stamp").get("actor").get("id").asText());

    // A task's timeline: its steps and the decision on its approval.
    browser.findElement(By.linkText(acme)).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("task")));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("task-approvals"), "APPROVED by ada"));
    List<WebElement> steps = browser.findElements(By.cssSelector("#task-steps tbody tr"));
    assertEquals(5, steps.size());
    assertTrue(steps.get(4).getText().contains("billing"), steps.get(4).getText());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("task-facts"), "COMPLETED"));
  }

  @Test
  void theConsoleIsServedWithHeadersThatKeepItsOwnScriptTheOnlyOne() throws Exception {
    HttpResponse<String> page = server.get("/console/", null);
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertEquals(200, server.get("/console/console.js", null).statusCode());
    assertEquals(404, server.get("/console/..%2Freference.conf", null).statusCode());
    assertEquals(404, server.get("/console/%2e%2e%2fapplication.conf", null).statusCode());
    assertEquals(404, server.get("/console/secrets.txt", null).statusCode());
  }

  private static JsonNode decision(String taskId, String type) throws Exception {
    for (JsonNode event : json(server.get("/v1/audit/tasks/" + taskId, ADMIN)).get("events")) {
      if (event.get("type").asText().equals(type)) {
        return event;
      }
    }
    throw new AssertionError("no " + type + " in the journal of " + taskId);
  }
}
