package dev.ferry.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;

/** Reads the checked-in CRDs and finds the schema of a field in them. */
final class Crds {

  private Crds() {}

  static String fileName(Class<? extends HasMetadata> type) {
    return HasMetadata.getFullResourceName(type) + "-v1.yml";
  }

  static CustomResourceDefinition load(Class<? extends HasMetadata> type) {
    String yaml = RepoFiles.read(RepoFiles.CRDS.resolve(fileName(type)));
    return Serialization.unmarshal(yaml, CustomResourceDefinition.class);
  }

  /** The one version every Ferry CRD has today. */
  static CustomResourceDefinitionVersion onlyVersion(CustomResourceDefinition crd) {
    if (crd.getSpec().getVersions().size() != 1) {
      throw new AssertionError("expected one version in " + crd.getMetadata().getName());
    }
    return crd.getSpec().getVersions().get(0);
  }

  static JSONSchemaProps rootSchema(CustomResourceDefinition crd) {
    return onlyVersion(crd).getSchema().getOpenAPIV3Schema();
  }

  /**
   * The schema at a dotted path such as {@code spec.drain.connEvictRate}; a segment ending in {@code []}
   * steps into the items of an array, e.g. {@code status.rebalanceStates[].donors}.
   */
  static JSONSchemaProps at(CustomResourceDefinition crd, String path) {
    JSONSchemaProps schema = rootSchema(crd);
    for (String segment : path.split("\\.")) {
      boolean items = segment.endsWith("[]");
      String name = items ? segment.substring(0, segment.length() - 2) : segment;
      schema = schema.getProperties().get(name);
      if (schema == null) {
        throw new AssertionError("no property '" + name + "' on the way to " + path);
      }
      if (items) {
        schema = schema.getItems().getSchema();
      }
    }
    return schema;
  }
}
