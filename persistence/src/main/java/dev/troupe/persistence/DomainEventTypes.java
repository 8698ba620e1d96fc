package dev.troupe.persistence;

import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;

/**
 * Registers the events of a sealed hierarchy under their simple names ({@code TaskSubmitted}),
 * so adding a permitted subtype is all it takes to persist a new event.
 */
public abstract class DomainEventTypes extends SimpleModule {
  private static final long serialVersionUID = 1L;

  protected DomainEventTypes(String name, Class<?>... sealedRoots) {
    super(name);
    for (Class<?> root : sealedRoots) {
      if (!root.isSealed()) {
        throw new IllegalArgumentException(root.getName() + " must be a sealed interface");
      }
      register(root);
    }
  }

  private void register(Class<?> sealedRoot) {
    for (Class<?> type : sealedRoot.getPermittedSubclasses()) {
      if (type.isInterface() && type.isSealed()) {
        register(type); // a sub-hierarchy, e.g. step activity inside agent events
      } else {
        registerSubtypes(new NamedType(type, type.getSimpleName()));
      }
    }
  }
}
