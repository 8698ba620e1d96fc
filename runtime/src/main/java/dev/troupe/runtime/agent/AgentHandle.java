package dev.troupe.runtime.agent;

import org.apache.pekko.actor.typed.ActorRef;

/** A running agent: its definition's id and the actor that runs its steps. */
public record AgentHandle(String agentId, ActorRef<AgentRunner.Command> runner) {}
