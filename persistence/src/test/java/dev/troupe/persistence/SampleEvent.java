package dev.troupe.persistence;

/** Events of a made-up entity, for testing the chain without the runtime. */
sealed interface SampleEvent extends DomainEvent {
  record Opened(String name) implements SampleEvent {}

  record Noted(String text, int count) implements SampleEvent {}

  record Payload(com.fasterxml.jackson.databind.JsonNode value) implements SampleEvent {}

  final class Types extends DomainEventTypes {
    private static final long serialVersionUID = 1L;

    Types() {
      super("sample-events", SampleEvent.class);
    }
  }
}
