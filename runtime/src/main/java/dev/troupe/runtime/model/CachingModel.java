package dev.troupe.runtime.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.persistence.CanonicalJson;
import dev.troupe.runtime.agent.ModelExchange;
import dev.troupe.runtime.guard.ResultCache;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelPricing;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.ToolSpec;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A model (or a tier's route) whose answers are reused for exactly the same request: the model,
 * the instructions, the whole conversation, the tools offered (with their descriptions and
 * schemas), the answer schema and the limits. A reused answer says so ({@link ModelReply#cached()})
 * and costs nothing. Only answers are kept, never failures.
 */
public final class CachingModel implements ModelClient {
  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final ModelClient delegate;
  private final ResultCache<ModelReply> cache;

  public CachingModel(ModelClient delegate, ResultCache<ModelReply> cache) {
    this.delegate = delegate;
    this.cache = cache;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public ModelPricing pricing() {
    return delegate.pricing();
  }

  @Override
  public CompletionStage<ModelReply> complete(ModelRequest request) {
    String key = key(request);
    var cached = cache.get(key);
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(cached.get().fromCache());
    }
    return delegate.complete(request).thenApply(reply -> {
      cache.put(key, reply);
      return reply;
    });
  }

  private String key(ModelRequest request) {
    ObjectNode whole = ModelExchange.prompt(request);
    ArrayNode tools = whole.putArray("toolSpecs");
    for (ToolSpec tool : request.tools()) {
      tools.addObject().put("name", tool.name()).put("description", tool.description()).set("schema",
          tool.inputSchema());
    }
    whole.put("model", delegate.name());
    return CanonicalJson.sha256(MAPPER, whole);
  }
}
