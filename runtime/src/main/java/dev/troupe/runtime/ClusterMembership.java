package dev.troupe.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Brings this node into its cluster. With no seed nodes configured (the embedded default) the
 * node forms a one-node cluster by joining itself; with seed nodes it joins them. Either way
 * the returned stage completes when this member is Up.
 */
final class ClusterMembership {
  private ClusterMembership() {}

  static CompletionStage<Void> joinAndAwaitUp(ActorSystem<?> system) {
    CompletableFuture<Void> up = new CompletableFuture<>();
    system.systemActorOf(awaitSelfUp(up), "troupe-cluster-up", org.apache.pekko.actor.typed.Props.empty());
    Cluster cluster = Cluster.get(system);
    boolean hasSeeds = !system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty();
    if (!hasSeeds) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    return up;
  }

  private static Behavior<SelfUp> awaitSelfUp(CompletableFuture<Void> up) {
    return Behaviors.setup(context -> {
      Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(context.getSelf(), SelfUp.class));
      return Behaviors.receive(SelfUp.class).onMessage(SelfUp.class, msg -> {
        up.complete(null);
        return Behaviors.stopped();
      }).build();
    });
  }
}
