package dev.ferry.check;

/** An object of the input that was not checked, and why. */
public record Skipped(String apiVersion, String kind, String name, String source, String reason) {

  public String display() {
    return kind + "/" + (name == null ? "?" : name);
  }
}
