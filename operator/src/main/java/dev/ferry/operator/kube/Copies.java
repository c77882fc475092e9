package dev.ferry.operator.kube;

import io.fabric8.kubernetes.client.utils.Serialization;

/** Deep copies through JSON, for model objects that have no copy constructor. */
public final class Copies {
  private Copies() {}

  public static <T> T copy(T value, Class<T> type) {
    return value == null ? null : Serialization.jsonMapper().convertValue(value, type);
  }
}
