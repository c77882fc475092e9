package dev.ferry.lab.cluster;

/** Which Kubernetes a lab run uses. */
public enum Kube {
  /**
   * fabric8's mock API server in CRUD mode on loopback, with the lab's own ReplicaSet, StatefulSet,
   * Job, EndpointSlice and garbage-collector controllers and its kubelet: no Go toolchain needed.
   */
  EMBEDDED("embedded"),
  /**
   * The real etcd, kube-apiserver and kube-controller-manager (built by kube/build.sh), with the
   * shared kubelet; the run happens in the lab's network (scripts/lab-network).
   */
  REAL("real");

  private final String label;

  Kube(String label) {
    this.label = label;
  }

  /** The name the CLI and the report use: embedded or real. */
  public String label() {
    return label;
  }

  public static Kube of(String label) {
    for (Kube k : values()) {
      if (k.label.equals(label)) {
        return k;
      }
    }
    throw new IllegalArgumentException("--kube must be embedded or real, was " + label);
  }
}
