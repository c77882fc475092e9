package dev.ferry.workload.dubbo;

import org.apache.dubbo.common.URL;
import org.apache.dubbo.registry.Registry;
import org.apache.dubbo.registry.zookeeper.ZookeeperRegistry;
import org.apache.dubbo.registry.zookeeper.ZookeeperRegistryFactory;
import org.apache.dubbo.remoting.zookeeper.curator5.ZookeeperClientManager;
import org.apache.dubbo.rpc.model.ApplicationModel;

/**
 * Dubbo's ZooKeeper registry with provider warmup working again.
 *
 * <p>Dubbo 3.3.6's ZooKeeper registry (its {@code CacheableFailbackRegistry}) strips {@code
 * timestamp} and {@code pid} off every provider URL it reads, to cache the URLs across restarts.
 * The load balancers compute a provider's warmup weight from that very {@code timestamp}
 * ({@code AbstractLoadBalance.getWeight}): without it every provider has full weight from its first
 * second and {@code warmup} does nothing (apache/dubbo issues 8557, 9675, 12752; fixed upstream by
 * pull request 16033, merged in January 2026, in no release the registry here serves: 3.3.6 is the
 * newest). This factory, registered under the name {@code zookeeper} in
 * META-INF/dubbo/org.apache.dubbo.registry.RegistryFactory (Dubbo lets that file override its
 * internal extensions), makes registries that strip {@code pid} only. Everything else is Dubbo's own.
 */
public class WarmupZookeeperRegistryFactory extends ZookeeperRegistryFactory {
  private final ApplicationModel model;

  public WarmupZookeeperRegistryFactory() {
    this(ApplicationModel.defaultModel());
  }

  public WarmupZookeeperRegistryFactory(ApplicationModel model) {
    super(model);
    this.model = model;
  }

  @Override
  public Registry createRegistry(URL url) {
    return new WarmupZookeeperRegistry(url, ZookeeperClientManager.getInstance(model));
  }

  /** Keeps the provider's {@code timestamp}, which warmup needs. */
  static final class WarmupZookeeperRegistry extends ZookeeperRegistry {
    private static final String[] VARIABLE_KEYS = {"pid"};

    WarmupZookeeperRegistry(URL url, ZookeeperClientManager clients) {
      super(url, clients);
    }

    @Override
    protected String[] getVariableKeys() {
      return VARIABLE_KEYS.clone();
    }
  }
}
