package dev.ferry.check;

/**
 * An object that was read: its kind, namespace (null when a file names none), name, and where it
 * came from ({@code file.yaml#2} for the second document of a file, {@code cluster} when read from
 * the API server).
 */
public record ObjectRef(String kind, String namespace, String name, String source) {

  /** {@code Kind/name}, as kubectl names objects. */
  public String display() {
    return kind + "/" + name;
  }
}
