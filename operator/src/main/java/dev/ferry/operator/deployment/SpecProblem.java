package dev.ferry.operator.deployment;

/** Something wrong with a spec: which field, and why. Shown in the InvalidSpec condition. */
public record SpecProblem(String field, String why) {
  @Override
  public String toString() {
    return field + ": " + why;
  }
}
