package dev.troupe.runtime.directory;

import java.util.List;

/** One page of a list, newest first; {@code nextCursor} is null on the last page. */
public record Page<T>(List<T> items, String nextCursor) {}
