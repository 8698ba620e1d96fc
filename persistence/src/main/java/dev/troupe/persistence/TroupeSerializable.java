package dev.troupe.persistence;

/**
 * Marker for everything Troupe persists or could send between nodes. Bound to Pekko's
 * Jackson JSON serializer in this module's reference.conf; Java serialization is off.
 */
public interface TroupeSerializable {}
