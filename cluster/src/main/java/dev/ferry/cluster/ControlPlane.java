package dev.ferry.cluster;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane on this machine: etcd, kube-apiserver and kube-controller-manager
 * as child processes, in the lab's network ({@link LabNetwork}).
 *
 * <ul>
 *   <li>The apiserver serves HTTPS with the certificate it makes for itself (its own CA, written to
 *       {@code pki/apiserver.crt}, which every client here trusts and nothing else), authorizes with
 *       RBAC, authenticates one admin by a token (group {@code system:masters}) and service accounts
 *       by the tokens it signs itself (TokenRequest), and has the usual admission plugins on.
 *   <li>The controller manager runs the controllers Ferry's releases meet ({@link Settings#controllers}):
 *       ReplicaSet, Deployment, StatefulSet, Job, EndpointSlice, garbage collector, namespace and
 *       service account. The node controllers are off: our kubelet keeps its nodes Ready without
 *       heartbeats, and no pod is ever evicted for a node.
 *   <li>There is no scheduler: the kubelet binds the pods it takes ({@link Kubelet}).
 * </ul>
 *
 * Everything it writes (certificates, keys, tokens, etcd's data, one log per component) is in
 * {@link #workDir()}; a failure to start names the component and shows the end of its log.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

  /** The controllers started by default (kube-controller-manager's names). */
  public static final List<String> CONTROLLERS = List.of(
      "replicaset-controller", "deployment-controller", "statefulset-controller", "job-controller",
      "endpointslice-controller", "garbage-collector-controller", "namespace-controller",
      "serviceaccount-controller", "disruption-controller");

  private static final String ADMIN = "ferry-admin";
  private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

  /**
   * @param workDir where certificates, data and logs go (created; left in place for reading after a failure)
   * @param startTimeout how long each component may take to come up (a loaded two-core machine takes tens of seconds)
   */
  public record Settings(KubeBinaries binaries, Path workDir, Duration startTimeout, List<String> controllers) {
    public Settings {
      workDir = workDir.toAbsolutePath();
    }

    public static Settings in(Path workDir) {
      return new Settings(KubeBinaries.locate(), workDir, Duration.ofSeconds(120), CONTROLLERS);
    }

    public Settings withControllers(List<String> controllers) {
      return new Settings(binaries, workDir, startTimeout, controllers);
    }
  }

  private final Settings settings;
  private final List<ComponentProcess> components = new ArrayList<>();
  private final String adminToken = token();
  private String url;
  private String caPem;

  private ControlPlane(Settings settings) {
    this.settings = settings;
  }

  /** Starts etcd, the apiserver and the controller manager, and returns once all three serve. */
  public static ControlPlane start(Settings settings) {
    LabNetwork.require();
    ControlPlane cp = new ControlPlane(settings);
    try {
      cp.startAll();
      return cp;
    } catch (RuntimeException e) {
      cp.close();
      throw e;
    }
  }

  private void startAll() {
    Instant began = Instant.now();
    Path dir = settings.workDir();
    try {
      deleteTree(dir); // a fresh cluster: nothing of an earlier run's etcd
      Files.createDirectories(dir.resolve("pki"));
      Files.writeString(dir.resolve("tokens.csv"), adminToken + "," + ADMIN + "," + ADMIN + ",\"system:masters\"\n");
      writeServiceAccountKey(dir.resolve("pki/sa.key"));
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare " + dir, e);
    }
    String etcdUrl = startEtcd(dir);
    startApiServer(dir, etcdUrl);
    startControllerManager(dir);
    log.info("event=control_plane_started url={} dir={} seconds={}", url, dir,
        Duration.between(began, Instant.now()).toMillis() / 1000.0);
  }

  private String startEtcd(Path dir) {
    int client = LabNetwork.freePort(LabNetwork.ETCD);
    int peer = LabNetwork.freePort(LabNetwork.ETCD);
    String clientUrl = "http://" + LabNetwork.ETCD + ":" + client;
    String peerUrl = "http://" + LabNetwork.ETCD + ":" + peer;
    ComponentProcess etcd = launch("etcd", settings.binaries().etcd(), List.of(
        "--name=lab", "--data-dir=" + dir.resolve("etcd"),
        "--listen-client-urls=" + clientUrl, "--advertise-client-urls=" + clientUrl,
        "--listen-peer-urls=" + peerUrl, "--initial-advertise-peer-urls=" + peerUrl,
        "--initial-cluster=lab=" + peerUrl,
        // A test cluster's data is thrown away: no fsync (envtest does the same).
        "--unsafe-no-fsync=true", "--log-level=warn"), dir);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    awaitServing(etcd, () -> get(http, clientUrl + "/health").contains("\"health\":\"true\""));
    return clientUrl;
  }

  private void startApiServer(Path dir, String etcdUrl) {
    int port = LabNetwork.freePort(LabNetwork.API_SERVER);
    url = "https://" + LabNetwork.API_SERVER + ":" + port;
    ComponentProcess api = launch("kube-apiserver", settings.binaries().apiServer(), List.of(
        "--etcd-servers=" + etcdUrl,
        "--bind-address=" + LabNetwork.API_SERVER, "--advertise-address=" + LabNetwork.API_SERVER,
        "--secure-port=" + port,
        "--cert-dir=" + dir.resolve("pki"),
        "--token-auth-file=" + dir.resolve("tokens.csv"),
        "--authorization-mode=RBAC",
        "--service-account-issuer=" + ISSUER,
        "--service-account-key-file=" + dir.resolve("pki/sa.key"),
        "--service-account-signing-key-file=" + dir.resolve("pki/sa.key"),
        "--service-cluster-ip-range=" + LabNetwork.SERVICE_RANGE,
        // No Endpoints for the `kubernetes` Service: nothing here calls the apiserver through it.
        "--endpoint-reconciler-type=none",
        "--allow-privileged=true", "--profiling=false", "--v=1"), dir);
    Path cert = dir.resolve("pki/apiserver.crt");
    awaitServing(api, () -> Files.exists(cert) && Files.size(cert) > 0);
    try {
      caPem = Files.readString(cert);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    HttpClient http = HttpClient.newBuilder().sslContext(trusting(caPem)).connectTimeout(Duration.ofSeconds(2)).build();
    awaitServing(api, () -> "ok".equals(get(http, url + "/readyz", adminToken)));
    writeKubeconfig(dir.resolve("admin.kubeconfig"), ADMIN, adminToken);
  }

  private void startControllerManager(Path dir) {
    ComponentProcess kcm = launch("kube-controller-manager", settings.binaries().controllerManager(), List.of(
        "--kubeconfig=" + dir.resolve("admin.kubeconfig"),
        "--controllers=" + String.join(",", settings.controllers()),
        "--leader-elect=false", "--secure-port=0",
        "--kube-api-qps=200", "--kube-api-burst=400", "--v=1"), dir);
    // The service account controller makes "default" in every namespace once the controllers run.
    try (KubernetesClient admin = newAdminClient()) {
      awaitServing(kcm, () -> admin.serviceAccounts().inNamespace("default").withName("default").get() != null);
    }
  }

  private ComponentProcess launch(String name, Path binary, List<String> args, Path dir) {
    ComponentProcess p = ComponentProcess.start(name, binary, args, dir);
    components.add(p);
    return p;
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private void awaitServing(ComponentProcess p, Check check) {
    Instant deadline = Instant.now().plus(settings.startTimeout());
    Exception last = null;
    while (Instant.now().isBefore(deadline)) {
      p.requireAlive();
      try {
        if (check.ok()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      sleep(200);
    }
    throw new IllegalStateException(p.name() + " did not serve within " + settings.startTimeout().toSeconds() + " s"
        + (last == null ? "" : " (last: " + last + ")") + "; the end of " + p.log() + ":\n" + p.tail(30));
  }

  /** The apiserver's URL, e.g. {@code https://198.18.0.1:41234}. */
  public String url() {
    return url;
  }

  public Path workDir() {
    return settings.workDir();
  }

  /** A kubeconfig file for the admin (group system:masters), for kubectl and the components. */
  public Path adminKubeconfig() {
    return settings.workDir().resolve("admin.kubeconfig");
  }

  /** The admin's client configuration: every permission. */
  public Config adminConfig() {
    return config(adminToken);
  }

  /** A new client as the admin; the caller closes it. */
  public KubernetesClient newAdminClient() {
    return new KubernetesClientBuilder().withConfig(adminConfig()).build();
  }

  /**
   * A client configuration that authenticates as a ServiceAccount, with a token the apiserver signs
   * for it (TokenRequest): exactly what a pod of that account would have, and nothing more.
   */
  public Config serviceAccountConfig(String namespace, String name) {
    return config(serviceAccountToken(namespace, name));
  }

  /**
   * A kubeconfig file for a ServiceAccount (as {@link #serviceAccountConfig}), readable by its
   * owner only, in the work directory: for a process of its own, such as {@code ferry operator}.
   */
  public Path serviceAccountKubeconfig(String namespace, String name) {
    Path file = settings.workDir().resolve(namespace + "-" + name + ".kubeconfig");
    writeKubeconfig(file, "system:serviceaccount:" + namespace + ":" + name, serviceAccountToken(namespace, name));
    return file;
  }

  private String serviceAccountToken(String namespace, String name) {
    try (KubernetesClient admin = newAdminClient()) {
      TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24L * 3600).endSpec().build();
      return admin.serviceAccounts().inNamespace(namespace).withName(name).tokenRequest(request).getStatus().getToken();
    }
  }

  private Config config(String token) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url)
        .withCaCertData(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII)))
        .withOauthToken(token)
        .withRequestTimeout(30_000)
        .withConnectionTimeout(5_000)
        .build();
  }

  private void writeKubeconfig(Path file, String user, String token) {
    String ca = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII));
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: lab
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: %s
          user:
            token: %s
        contexts:
        - name: lab
          context:
            cluster: lab
            user: %s
        current-context: lab
        """.formatted(url, ca, user, token, user);
    try {
      // A token is a credential: the file is its owner's only, from its first byte.
      Files.deleteIfExists(file);
      Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the controller manager, the apiserver and etcd, in that order. */
  @Override
  public void close() {
    for (int i = components.size() - 1; i >= 0; i--) {
      components.get(i).close();
    }
    components.clear();
  }

  // ---------------------------------------------------------------- helpers

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static String token() {
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** The key the apiserver signs service account tokens with and checks them by (PKCS #8 PEM). */
  private static void writeServiceAccountKey(Path file) throws IOException {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      byte[] der = g.generateKeyPair().getPrivate().getEncoded();
      String pem = "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
          + "\n-----END PRIVATE KEY-----\n";
      Files.writeString(file, pem);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static SSLContext trusting(String pem) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      try (InputStream in = new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("ca" + i++, c);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException("the apiserver's certificate cannot be read", e);
    }
  }

  private static String get(HttpClient http, String url) throws IOException, InterruptedException {
    return get(http, url, null);
  }

  private static String get(HttpClient http, String url, String token) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body().strip();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the control plane started", e);
    }
  }
}
