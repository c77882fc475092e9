package dev.ferry.workload.dubbo;

/** JVM-wide settings Dubbo 3.3.6 needs here, applied once before the first Dubbo class is used. */
final class DubboEnvironment {
  private DubboEnvironment() {}

  static {
    // Dubbo looks its JSON libraries up with a ServiceLoader over fastjson2, fastjson, gson and
    // Jackson in that order and stops at the preferred one; without a preference it goes on to its
    // fastjson (1.x) adapter, whose constructor names a fastjson class: with fastjson 1 absent (it
    // is not a dependency of Dubbo) the lookup dies with NoClassDefFoundError
    // com/alibaba/fastjson/JSONException. Preferring fastjson2, which Dubbo does depend on, ends the
    // lookup at the first entry.
    if (System.getProperty("dubbo.json-framework.prefer") == null) {
      System.setProperty("dubbo.json-framework.prefer", "fastjson2");
    }
  }

  /**
   * Dubbo's default FrameworkModel, made before any provider's or consumer's own and never
   * destroyed. Some of Dubbo's code asks for the default one (its Netty server, when it opens), and
   * the first FrameworkModel made becomes the default: with many providers in one JVM, the first
   * provider's model was the default, and once that provider stopped, a provider opening its server
   * at that moment met the model being destroyed ("FrameworkModel is destroyed") and did not export.
   */
  private static final org.apache.dubbo.rpc.model.FrameworkModel KEPT_DEFAULT =
      org.apache.dubbo.rpc.model.FrameworkModel.defaultModel();

  static void init() {
    // runs the static initializer
  }
}
