package org.truckeefs.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.BlobRef;

/**
 * A timing decorator for a backend interface (RiverFS wraps its MetadataStore and BlobStore in one): counts calls
 * and time per method, logs each call at debug level and a warning when a call is slower than its threshold. Log
 * lines name the method, the time and only the arguments known to be safe ({@link InodeId}, {@link BlobRef}):
 * never names, xattr values, settings or content. A dynamic proxy rather than two hand-written decorators, so the
 * SPIs can grow without this class changing; its cost (one reflective call) is small next to any store call.
 */
final class Instrumented<T> implements InvocationHandler {
  private static final Logger log = LoggerFactory.getLogger(Instrumented.class);

  private final T target;
  private final String name;
  private final long slowNanos;
  private final Map<String, LongAdder[]> stats = new ConcurrentHashMap<>();

  private Instrumented(T target, String name, Duration slow) {
    this.target = target;
    this.name = name;
    this.slowNanos = slow.toNanos();
  }

  /** {@code target} seen through a timing proxy of interface {@code type}; log lines say {@code name}. */
  static <T> T wrap(Class<T> type, T target, String name, Duration slow) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        new Instrumented<>(target, name, slow)));
  }

  /** Calls and total milliseconds per method so far, or empty when {@code proxy} is not instrumented. */
  static Map<String, long[]> stats(Object proxy) {
    Map<String, long[]> out = new TreeMap<>();
    if (Proxy.isProxyClass(proxy.getClass()) && Proxy.getInvocationHandler(proxy) instanceof Instrumented<?> i) {
      i.stats.forEach((m, s) -> out.put(m, new long[] {s[0].sum(), s[1].sum() / 1_000_000}));
    }
    return out;
  }

  @Override
  public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
    if (m.getDeclaringClass() == Object.class) {
      return m.getName().equals("equals") ? proxy == args[0] : m.invoke(target, args);
    }
    long t0 = System.nanoTime();
    boolean failed = false;
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      failed = true;
      throw e.getCause();
    } finally {
      long took = System.nanoTime() - t0;
      LongAdder[] s = stats.computeIfAbsent(m.getName(), k -> new LongAdder[] {new LongAdder(), new LongAdder()});
      s[0].increment();
      s[1].add(took);
      if (took > slowNanos) {
        log.warn("slow {} call {}({}) took {} ms{}", name, m.getName(), safeArgs(args), took / 1_000_000,
            failed ? " and failed" : "");
      } else if (log.isDebugEnabled()) {
        log.debug("{}.{}({}) {} us{}", name, m.getName(), safeArgs(args), took / 1_000, failed ? " failed" : "");
      }
    }
  }

  private static String safeArgs(Object[] args) {
    if (args == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (Object a : args) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(a instanceof InodeId || a instanceof BlobRef ? a.toString() : "_");
    }
    return b.toString();
  }
}
