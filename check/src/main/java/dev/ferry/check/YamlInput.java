package dev.ferry.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads objects as {@code kubectl apply -f} takes them: files of one or more YAML (or JSON)
 * documents separated by {@code ---}, {@code -} for standard input, a directory for its
 * {@code .yaml}, {@code .yml} and {@code .json} files, and {@code List} objects for their items.
 * Empty documents are passed over. Kinds that are not checked are reported as skipped; a missing
 * file, malformed YAML, a document that is no Kubernetes object, or no object to check at all is an
 * {@link InputException} that names the file and the document.
 */
public final class YamlInput {
  private YamlInput() {}

  /** apiVersion and kind → the type the objects are read as. */
  private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of(
      "apps/v1 Deployment", Deployment.class,
      "v1 Service", Service.class,
      "networking.k8s.io/v1 Ingress", Ingress.class,
      "networking.k8s.io/v1 IngressClass", IngressClass.class,
      "ferry.dev/v1alpha1 LosslessDeployment", LosslessDeployment.class);

  private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory());
  private static final KubernetesSerialization K8S = new KubernetesSerialization();

  /** Reads every file in order; {@code -} reads {@code stdin}. */
  public static CheckInput read(List<String> files, InputStream stdin) throws InputException {
    if (files.isEmpty()) {
      throw new InputException("no file to read");
    }
    List<CheckInput.Entry> entries = new ArrayList<>();
    List<Skipped> skipped = new ArrayList<>();
    boolean stdinRead = false;
    for (String f : files) {
      if (f.equals("-")) {
        if (stdinRead) {
          throw new InputException("-: standard input can be read only once");
        }
        stdinRead = true;
        try {
          parse("<stdin>", new String(stdin.readAllBytes(), StandardCharsets.UTF_8), entries, skipped);
        } catch (IOException e) {
          throw new InputException("<stdin>: cannot read: " + e.getMessage(), e);
        }
        continue;
      }
      Path path = Path.of(f);
      if (Files.isDirectory(path)) {
        List<Path> inDir;
        try (Stream<Path> s = Files.list(path)) {
          inDir = s.filter(p -> p.toString().matches(".*\\.(yaml|yml|json)$")).sorted().toList();
        } catch (IOException e) {
          throw new InputException(f + ": cannot read directory: " + e.getMessage(), e);
        }
        if (inDir.isEmpty()) {
          throw new InputException(f + ": no .yaml, .yml or .json file in this directory");
        }
        for (Path p : inDir) {
          parse(p.toString(), readFile(p), entries, skipped);
        }
      } else {
        parse(f, readFile(path), entries, skipped);
      }
    }
    CheckInput input = new CheckInput(entries, skipped);
    if (!input.hasCheckable()) {
      throw new InputException(String.join(", ", files) + ": nothing to check: no Deployment (apps/v1), "
          + "LosslessDeployment (ferry.dev/v1alpha1), Service (v1) or Ingress (networking.k8s.io/v1)"
          + (skipped.isEmpty() ? "" : "; skipped: " + String.join(", ", skipped.stream()
              .map(s -> s.display() + " (" + s.source() + ", " + s.reason() + ")").toList())));
    }
    return input;
  }

  private static String readFile(Path p) throws InputException {
    if (!Files.exists(p)) {
      throw new InputException(p + ": no such file");
    }
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InputException(p + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Parses the documents of one file, or of one string (for tests and standard input). */
  static void parse(String file, String text, List<CheckInput.Entry> entries, List<Skipped> skipped)
      throws InputException {
    int doc = 0;
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
      while (true) {
        JsonNode node;
        try {
          if (!it.hasNextValue()) {
            break;
          }
          doc++;
          node = it.nextValue();
        } catch (JsonProcessingException e) {
          throw malformed(file, doc, e);
        }
        if (node == null || node.isNull() || node.isMissingNode()) {
          continue; // an empty document, as between two "---"
        }
        add(file, file + "#" + doc, "document " + doc, node, entries, skipped);
      }
    } catch (IOException e) {
      if (e instanceof JsonProcessingException jpe) {
        throw malformed(file, doc, jpe);
      }
      throw new InputException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * {@code FILE: document N (line L): malformed YAML: what}, on one line: SnakeYAML's message spans
   * several, with the location and a caret under the offending column.
   */
  private static InputException malformed(String file, int doc, JsonProcessingException e) {
    var loc = e.getLocation();
    List<String> parts = new ArrayList<>();
    boolean snippet = false; // the source line and caret SnakeYAML prints after "in 'reader', line L, column C:"
    for (String line : String.valueOf(e.getOriginalMessage()).split("\\R")) {
      String l = line.strip();
      if (l.startsWith("in 'reader'")) {
        snippet = true;
      } else if (snippet) {
        snippet = !l.matches("\\^+");
      } else if (!l.isEmpty() && !parts.contains(l)) {
        parts.add(l);
      }
    }
    String what = parts.isEmpty() ? firstLine(e.getOriginalMessage()) : String.join(": ", parts);
    return new InputException(file + ": document " + Math.max(doc, 1) + (loc == null ? "" : " (line "
        + loc.getLineNr() + ")") + ": malformed YAML: " + what, e);
  }

  private static void add(String file, String source, String where, JsonNode node, List<CheckInput.Entry> entries,
      List<Skipped> skipped) throws InputException {
    if (!(node instanceof ObjectNode obj)) {
      throw new InputException(file + ": " + where + ": not a Kubernetes object (a " + node.getNodeType()
          .toString().toLowerCase(java.util.Locale.ROOT) + ", not a mapping with apiVersion and kind)");
    }
    String apiVersion = obj.path("apiVersion").asText(null);
    String kind = obj.path("kind").asText(null);
    if (apiVersion == null || apiVersion.isBlank() || kind == null || kind.isBlank()) {
      throw new InputException(file + ": " + where + ": not a Kubernetes object: "
          + (kind == null || kind.isBlank() ? "kind" : "apiVersion") + " is not set");
    }
    String name = obj.path("metadata").path("name").asText(null);
    if (kind.endsWith("List") && obj.path("items").isArray()) {
      int i = 0;
      for (JsonNode item : obj.path("items")) {
        add(file, source + ".items[" + i + "]", where + ", items[" + i + "]", item, entries, skipped);
        i++;
      }
      return;
    }
    Class<? extends HasMetadata> type = TYPES.get(apiVersion + " " + kind);
    if (type == null) {
      boolean known = TYPES.keySet().stream().anyMatch(k -> k.endsWith(" " + kind));
      skipped.add(new Skipped(apiVersion, kind, name, source, known
          ? "apiVersion " + apiVersion + " is not checked (only " + TYPES.keySet().stream()
              .filter(k -> k.endsWith(" " + kind)).map(k -> k.substring(0, k.indexOf(' '))).findFirst().orElseThrow()
              + ")"
          : "kind not checked"));
      return;
    }
    if (name == null || name.isBlank()) {
      throw new InputException(file + ": " + where + ": " + kind + " has no metadata.name");
    }
    HasMetadata o;
    try {
      o = K8S.convertValue(obj, type);
    } catch (IllegalArgumentException e) {
      throw new InputException(file + ": " + where + ": " + kind + "/" + name + " is not a valid " + kind + ": "
          + firstLine(e.getMessage()), e);
    }
    validate(file, where, o);
    entries.add(new CheckInput.Entry(o, source));
  }

  private static void validate(String file, String where, HasMetadata o) throws InputException {
    PodTemplateSpec t = null;
    String path = null;
    if (o instanceof Deployment d) {
      t = d.getSpec() == null ? null : d.getSpec().getTemplate();
      path = "spec.template.spec.containers";
    } else if (o instanceof LosslessDeployment ld) {
      t = ld.getSpec() == null ? null : ld.getSpec().getTemplate();
      path = "spec.template.spec.containers";
    }
    if (path != null && (t == null || t.getSpec() == null || t.getSpec().getContainers() == null
        || t.getSpec().getContainers().isEmpty())) {
      throw new InputException(file + ": " + where + ": " + o.getKind() + "/" + o.getMetadata().getName()
          + " has no " + path);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
