package dev.ferry.check;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One traffic-loss risk: which, on what object (and container, when it is about one), what is wrong
 * and how to fix it, in words ({@code fix}) and as YAML to merge into the object ({@code patch}, see
 * {@link Patch}). A value the object does not say, such as a port it does not declare, is a
 * placeholder in angle brackets ({@code <port>}), never a guess.
 */
public record Finding(Risk risk, ObjectRef object, String container, String what, String fix, JsonNode patch) {}
