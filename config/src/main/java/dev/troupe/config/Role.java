package dev.troupe.config;

import java.util.Locale;
import java.util.Optional;

/** What an API key may do (see API.md, Authentication and roles). */
public enum Role {
  SUBMITTER,
  APPROVER,
  AUDITOR,
  ADMIN;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String text) {
    for (Role role : values()) {
      if (role.wireName().equals(text)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
