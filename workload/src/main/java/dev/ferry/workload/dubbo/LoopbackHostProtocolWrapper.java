package dev.ferry.workload.dubbo;

import java.util.List;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Exporter;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Protocol;
import org.apache.dubbo.rpc.ProtocolServer;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.protocol.InvokerWrapper;

/**
 * Lets a lab provider listen on, and register, a loopback address of its own (127.0.5.1, ...).
 *
 * <p>Dubbo 3.3 refuses every host that starts with {@code 127.} as a bind or registry host
 * ({@code NetUtils.isInvalidLocalHost}): a configured {@code host} of 127.x is replaced with the
 * machine's first non-loopback address and the server binds {@code 0.0.0.0}, and {@code
 * DUBBO_IP_TO_BIND}/{@code DUBBO_IP_TO_REGISTRY} of 127.x are rejected outright. In production a pod
 * has its own address and none of this matters; in the lab every pod is a loopback address. This
 * Protocol wrapper (a Dubbo SPI extension, META-INF/dubbo/org.apache.dubbo.rpc.Protocol) rewrites a
 * provider URL that carries the parameter {@value #KEY} (set by {@link DubboProvider} as a protocol
 * parameter) to that host, spelt {@code [::ffff:127.x.y.z]} (see {@link #fix}), with {@code bind.ip}
 * set to it and {@code anyhost=false}, before the
 * registry protocol binds and registers it. Providers without the parameter are left alone.
 */
public final class LoopbackHostProtocolWrapper implements Protocol {
  /** The protocol parameter that names the host to bind and register. */
  public static final String KEY = "ferry.host";

  private final Protocol protocol;

  public LoopbackHostProtocolWrapper(Protocol protocol) {
    this.protocol = protocol;
  }

  @Override
  public int getDefaultPort() {
    return protocol.getDefaultPort();
  }

  @Override
  public <T> Exporter<T> export(Invoker<T> invoker) throws RpcException {
    URL url = invoker.getUrl();
    Object export = url.getAttribute("export");
    if (export instanceof URL provider && provider.getParameter(KEY) != null) {
      URL registryUrl = url.putAttribute("export", fix(provider));
      return protocol.export(new InvokerWrapper<>(invoker, registryUrl));
    }
    if (url.getParameter(KEY) != null && !url.getHost().equals(url.getParameter(KEY))) {
      return protocol.export(new InvokerWrapper<>(invoker, fix(url)));
    }
    return protocol.export(invoker);
  }

  static URL fix(URL provider) {
    String host = provider.getParameter(KEY);
    // Consumers make the same check on the host they connect to (AbstractClient: a 127.x host
    // is replaced with the machine's address) and the server on bind.ip (AbstractServer: 127.x ->
    // 0.0.0.0). The IPv4-mapped IPv6 spelling of the address does not start with "127." and Java
    // resolves it to the very same Inet4Address, so the server binds exactly the pod's loopback
    // address, and consumers connect exactly there.
    String spelt = spell(host);
    return provider.setHost(spelt.startsWith("::") ? "[" + spelt + "]" : spelt)
        .addParameter("bind.ip", spelt)
        .addParameter("anyhost", "false");
  }

  /** {@code 127.x.y.z} as {@code ::ffff:127.x.y.z}; any other host as it is. */
  static String spell(String host) {
    return host.startsWith("127.") ? "::ffff:" + host : host;
  }

  @Override
  public <T> Invoker<T> refer(Class<T> type, URL url) throws RpcException {
    return protocol.refer(type, url);
  }

  @Override
  public void destroy() {
    protocol.destroy();
  }

  @Override
  public List<ProtocolServer> getServers() {
    return protocol.getServers();
  }
}
