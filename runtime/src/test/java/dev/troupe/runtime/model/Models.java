package dev.troupe.runtime.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.config.ConfigReader;
import dev.troupe.config.ModelSettings;
import dev.troupe.sdk.ModelClient;
import dev.troupe.sdk.ModelGateway;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;

/** Test helpers: model settings from HOCON over the defaults, and the node's models built from them. */
final class Models {
  private Models() {}

  static ModelSettings settings(String hocon, Map<String, String> env) {
    Config config = ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.defaultReference().getConfig("troupe.models")).resolve();
    return ModelSettings.create(ConfigReader.of(config, "troupe.models"), env::get);
  }

  static ModelRouting routing(ActorSystem<?> system, String hocon, Map<String, String> env, Executor executor) {
    return ModelRouting.create(system, settings(hocon, env), ModelGateway.allTiers(LOCAL), executor);
  }

  /** The code's offline model, as the server registers it. */
  static final ModelClient LOCAL = new ModelClient() {
    @Override
    public String name() {
      return "local";
    }

    @Override
    public CompletionStage<ModelReply> complete(ModelRequest request) {
      return CompletableFuture.completedFuture(new ModelReply("local says: " + request.prompt(), "local", 1, 1,
          BigDecimal.ZERO));
    }
  };
}
