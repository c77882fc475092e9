package dev.ferry.api.crd;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.Rebalance;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes Ferry's CRDs from the classes in {@code dev.ferry.api.v1alpha1} (the build runs it at
 * process-classes into the jar's {@code META-INF/fabric8/}; {@code scripts/update-crds} copies them
 * to {@code deploy/crds/}, and a test checks that copy is current).
 *
 * <p>fabric8's generator sorts the printer columns by name; kubectl shows them in the CRD's order,
 * so this puts them back in the order the class declares them ({@code READY, PHASE, CURRENT,
 * UPDATE, AGE}, as {@code kubectl get deploy} reads). The generator is a build-time dependency only.
 */
public final class GenerateCrds {

  /** Every custom resource of the API. */
  public static final List<Class<? extends CustomResource<?, ?>>> CUSTOM_RESOURCES = List.of(LosslessDeployment.class,
      Rebalance.class);

  private GenerateCrds() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: GenerateCrds OUTPUT_DIRECTORY");
    }
    File dir = new File(args[0]);
    if (!dir.isDirectory() && !dir.mkdirs()) {
      throw new IllegalStateException("cannot create " + dir);
    }
    if (generator(dir).generate() != CUSTOM_RESOURCES.size()) {
      throw new IllegalStateException("the generator did not write a CRD for each of " + CUSTOM_RESOURCES);
    }
  }

  /** The generator as the build runs it, writing into {@code dir}. */
  public static CRDGenerator generator(File dir) {
    List<Class<? extends HasMetadata>> classes = new ArrayList<>(CUSTOM_RESOURCES);
    return new CRDGenerator()
        .customResourceClasses(classes)
        .withMinQuotes(true)
        .withPostProcessor(new DeclaredColumnOrder())
        .inOutputDir(dir);
  }

  /** Printer columns in the order of the class's {@link AdditionalPrinterColumn} annotations. */
  static final class DeclaredColumnOrder implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      if (!(crd instanceof CustomResourceDefinition d)) {
        return crd;
      }
      Class<?> type = CUSTOM_RESOURCES.stream()
          .filter(c -> d.getSpec().getNames().getKind().equals(c.getSimpleName())).findFirst().orElse(null);
      if (type == null) {
        return crd;
      }
      List<String> declared = new ArrayList<>();
      for (AdditionalPrinterColumn c : type.getAnnotationsByType(AdditionalPrinterColumn.class)) {
        declared.add(c.name());
      }
      d.getSpec().getVersions().forEach(v -> {
        if (v.getAdditionalPrinterColumns() != null) {
          List<CustomResourceColumnDefinition> columns = new ArrayList<>(v.getAdditionalPrinterColumns());
          columns.sort(Comparator.comparingInt(c -> declared.indexOf(c.getName())));
          v.setAdditionalPrinterColumns(columns);
        }
      });
      return d;
    }
  }
}
