package dev.ferry.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads objects as {@code kubectl apply -f} takes them: files of one or more YAML (or JSON)
 * documents separated by {@code ---}, {@code -} for standard input, a directory for its
 * {@code .yaml}, {@code .yml} and {@code .json} files (with {@code recursive}, those of its
 * subdirectories too, as {@code kubectl -R}), and {@code List} objects for their items. Empty
 * documents are passed over. Kinds that are not checked are reported as skipped, and so is a Helm
 * chart's directory (one with a {@code Chart.yaml}): its templates are not YAML until Helm renders
 * them. A missing file, malformed YAML, a document that is no Kubernetes object, or no object to
 * check at all is an {@link InputException} that names the file and the document.
 *
 * <p>The input is streamed: one document (one item of a List) is parsed at a time and handed to a
 * {@link Sink}, which keeps what it needs of it; nothing holds the whole input.
 */
public final class YamlInput {
  private YamlInput() {}

  /** Takes each object as it is read, with where it was read ({@code file#N}). */
  @FunctionalInterface
  public interface Sink {
    void accept(HasMetadata object, String source);
  }

  /** apiVersion and kind → the type the objects are read as. */
  private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of(
      "apps/v1 Deployment", Deployment.class,
      "v1 Service", Service.class,
      "networking.k8s.io/v1 Ingress", Ingress.class,
      "networking.k8s.io/v1 IngressClass", IngressClass.class,
      "ferry.dev/v1alpha1 LosslessDeployment", LosslessDeployment.class);

  /** No limit on a document's size: a List of a whole cluster is one document. */
  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .loaderOptions(loaderOptions()).build());
  /** fabric8's mapper, used directly for its treeToValue: it reads a tree without writing it out first. */
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final KubernetesSerialization K8S = new KubernetesSerialization(MAPPER, true);

  private static LoaderOptions loaderOptions() {
    LoaderOptions o = new LoaderOptions();
    o.setCodePointLimit(Integer.MAX_VALUE);
    return o;
  }

  /** Reads every file in order into memory; {@code -} reads {@code stdin}. For small inputs and tests. */
  public static CheckInput read(List<String> files, InputStream stdin) throws InputException {
    List<CheckInput.Entry> entries = new ArrayList<>();
    List<Skipped> skipped = read(files, false, stdin, (o, source) -> entries.add(new CheckInput.Entry(o, source)));
    return new CheckInput(entries, skipped);
  }

  /**
   * Streams every file in order to {@code sink}; {@code -} reads {@code stdin}. Returns what was
   * skipped; throws when nothing at all was to be checked.
   */
  public static List<Skipped> read(List<String> files, boolean recursive, InputStream stdin, Sink sink)
      throws InputException {
    if (files.isEmpty()) {
      throw new InputException("no file to read");
    }
    Reading r = new Reading(sink);
    if (files.stream().filter("-"::equals).count() > 1) {
      throw new InputException("-: standard input can be read only once");
    }
    for (String f : files) {
      if (f.equals("-")) {
        r.parse("<stdin>", new InputStreamReader(stdin, StandardCharsets.UTF_8));
      } else if (Files.isDirectory(Path.of(f))) {
        r.foundInDirectory = true;
        for (Path p : inDirectory(f, recursive, r.skipped)) {
          r.parse(p.toString(), open(p));
        }
        r.foundInDirectory = false;
      } else {
        r.parse(f, open(Path.of(f)));
      }
    }
    if (!r.checkable) {
      throw new InputException(String.join(", ", files) + ": nothing to check: no Deployment (apps/v1), "
          + "LosslessDeployment (ferry.dev/v1alpha1), Service (v1) or Ingress (networking.k8s.io/v1)"
          + (r.skipped.isEmpty() ? "" : "; skipped: " + String.join(", ", r.skipped.stream()
              .map(s -> s.display() + " (" + s.source() + ", " + s.reason() + ")").toList())));
    }
    return r.skipped;
  }

  /** The files of a directory to read, by name; with {@code recursive}, its subdirectories' too (not hidden ones). */
  static List<Path> inDirectory(String dir, boolean recursive, List<Skipped> skipped) throws InputException {
    List<Path> found = new ArrayList<>();
    int charts = skipped.size();
    try {
      collect(Path.of(dir), recursive, found, skipped);
    } catch (IOException e) {
      throw new InputException(dir + ": cannot read directory: " + e.getMessage(), e);
    }
    if (found.isEmpty() && skipped.size() == charts) {
      throw new InputException(dir + ": no .yaml, .yml or .json file in this directory"
          + (recursive ? " or below it" : " (-R reads its subdirectories too)"));
    }
    return found;
  }

  private static void collect(Path dir, boolean recursive, List<Path> found, List<Skipped> skipped)
      throws IOException {
    if (Files.isRegularFile(dir.resolve("Chart.yaml"))) {
      skipped.add(new Skipped(null, "HelmChart", dir.getFileName() == null ? dir.toString()
          : dir.getFileName().toString(), dir.toString(), "a Helm chart: its templates are not YAML until Helm "
          + "renders them; check what it renders: helm template NAME " + dir + " | ferry check -f -"));
      return;
    }
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    }
    for (Path p : children) {
      if (Files.isDirectory(p)) {
        if (recursive && !p.getFileName().toString().startsWith(".")) {
          collect(p, true, found, skipped);
        }
      } else if (p.getFileName().toString().matches(".*\\.(yaml|yml|json)$")) {
        found.add(p);
      }
    }
  }

  private static Reader open(Path p) throws InputException {
    try {
      return new InputStreamReader(Files.newInputStream(p), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new InputException(p + ": no such file", e);
    } catch (IOException e) {
      throw new InputException(p + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Parses the documents of one string, as if it were a file named {@code file} (for tests). */
  static void parse(String file, String text, List<CheckInput.Entry> entries, List<Skipped> skipped)
      throws InputException {
    Reading r = new Reading((o, source) -> entries.add(new CheckInput.Entry(o, source)));
    r.parse(file, new StringReader(text));
    skipped.addAll(r.skipped);
  }

  /** One read of the input: where objects go, what was skipped, whether anything was to be checked. */
  private static final class Reading {
    final Sink sink;
    final List<Skipped> skipped = new ArrayList<>();
    boolean checkable;
    /**
     * The file was found by reading a directory, not named: a document with neither apiVersion nor
     * kind is some other file kept beside the manifests (a Grafana dashboard, a values file) and is
     * passed over, as a Helm chart is. Named files and half-set objects stay errors.
     */
    boolean foundInDirectory;

    Reading(Sink sink) {
      this.sink = sink;
    }

    void parse(String file, Reader in) throws InputException {
      int doc = 0;
      try (in; JsonParser p = YAML.createParser(in)) {
        JsonToken t;
        while ((t = p.nextToken()) != null) {
          doc++;
          if (t == JsonToken.START_OBJECT) {
            document(file, doc, p);
          } else if (!emptyDocument(p)) {
            add(file, file + "#" + doc, "document " + doc, p.readValueAsTree());
          }
        }
      } catch (JsonProcessingException e) {
        throw malformed(file, doc, e);
      } catch (IOException e) {
        throw new InputException(file + ": cannot read: " + e.getMessage(), e);
      }
    }

    /** An empty document, as between two {@code ---}: the parser gives an empty scalar. */
    private static boolean emptyDocument(JsonParser p) throws IOException {
      return p.currentToken() == JsonToken.VALUE_NULL
          || (p.currentToken() == JsonToken.VALUE_STRING && p.getText().isEmpty());
    }

    /**
     * One document, from its START_OBJECT: the items of a List are handed over one by one as they are
     * parsed; so a List of a whole cluster is never held at once. kubectl prints {@code items} before
     * {@code kind}: items are taken as a List's unless a kind that is no List came first.
     */
    private void document(String file, int doc, JsonParser p) throws IOException, InputException {
      ObjectNode head = YAML.createObjectNode();
      boolean items = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        String kind = head.path("kind").asText("List");
        if (field.equals("items") && value == JsonToken.START_ARRAY && kind.endsWith("List")) {
          items = true;
          int i = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            add(file, file + "#" + doc + ".items[" + i + "]", "document " + doc + ", items[" + i + "]",
                p.readValueAsTree());
            i++;
          }
        } else {
          head.set(field, p.readValueAsTree());
        }
      }
      String where = "document " + doc;
      if (items) {
        kubernetesObject(file, where, head);
        if (head.path("kind").asText().endsWith("List")) {
          return;
        }
      }
      add(file, file + "#" + doc, where, head);
    }

    /** An object: kind and apiVersion set, or an error naming the document. */
    private static void kubernetesObject(String file, String where, JsonNode node) throws InputException {
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
    }

    private void add(String file, String source, String where, JsonNode node) throws InputException {
      if (foundInDirectory && node instanceof ObjectNode obj && !obj.has("apiVersion") && !obj.has("kind")) {
        skipped.add(new Skipped(null, "File", Path.of(file).getFileName().toString(), source,
            "not a Kubernetes object (no apiVersion, no kind)"));
        return;
      }
      kubernetesObject(file, where, node);
      String apiVersion = node.path("apiVersion").asText();
      String kind = node.path("kind").asText();
      String name = node.path("metadata").path("name").asText(null);
      if (kind.endsWith("List") && node.path("items").isArray()) {
        int i = 0;
        for (JsonNode item : node.path("items")) {
          add(file, source + ".items[" + i + "]", where + ", items[" + i + "]", item);
          i++;
        }
        return;
      }
      Class<? extends HasMetadata> type = TYPES.get(apiVersion + " " + kind);
      if (type == null) {
        skipped.add(new Skipped(apiVersion, kind, name, source, skipReason(apiVersion, kind)));
        return;
      }
      if (name == null || name.isBlank()) {
        throw new InputException(file + ": " + where + ": " + kind + " has no metadata.name");
      }
      HasMetadata o;
      try {
        o = MAPPER.treeToValue(node, type);
      } catch (IllegalArgumentException | JsonProcessingException e) {
        throw new InputException(file + ": " + where + ": " + kind + "/" + name + " is not a valid " + kind + ": "
            + firstLine(e.getMessage()), e);
      }
      validate(file, where, o);
      checkable |= Checker.isCheckable(o);
      sink.accept(o, source);
    }
  }

  private static String skipReason(String apiVersion, String kind) {
    return TYPES.keySet().stream().filter(k -> k.endsWith(" " + kind)).findFirst()
        .map(k -> "apiVersion " + apiVersion + " is not checked (only " + k.substring(0, k.indexOf(' ')) + ")")
        .orElse("kind not checked");
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
