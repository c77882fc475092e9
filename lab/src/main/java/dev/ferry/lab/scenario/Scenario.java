package dev.ferry.lab.scenario;

import java.util.Arrays;
import java.util.Locale;

/** The release strategies the lab compares. */
public enum Scenario {
  ROLLING("rolling", "StatefulSet rolling update, the Kubernetes default: each pod deleted, then recreated"),
  BLUEGREEN_PLAIN("bluegreen-plain", "Plain blue-green: start a new set, switch the Service, delete the old pods"),
  FERRY("ferry", "Ferry blue-green: switch, then evacuate each old node at the rate through the EMQX API"),
  REBALANCE("rebalance", "Scale out by one node, then a Rebalance moves clients to it at the rate");

  private final String id;
  private final String description;

  Scenario(String id, String description) {
    this.id = id;
    this.description = description;
  }

  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /** By its name on the command line; a clear error listing the known ones otherwise. */
  public static Scenario of(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id.trim().toLowerCase(Locale.ROOT))).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + id + "'; known: "
            + String.join(", ", Arrays.stream(values()).map(Scenario::id).toList())));
  }
}
