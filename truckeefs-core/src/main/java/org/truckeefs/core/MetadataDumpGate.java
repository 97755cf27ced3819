package org.truckeefs.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.MetadataStore;

/**
 * The metadata store as RiverFS sees it, with a gate for consistent dumps: every change of the namespace, the
 * attributes, xattrs or chunk maps passes the gate shared, and {@link #exclusively} closes it while a dump reads the
 * store. Each store call is atomic, so a dump taken behind the closed gate is a state the store really had.
 *
 * <p>A dynamic proxy rather than a hand-written decorator: it forwards every SPI method, including ones added to
 * {@link MetadataStore} later (a decorator would silently answer a new default method with the default).
 *
 * <p>The gate is per RiverFS: other hosts writing to the same shared store are not held off, so across hosts a dump
 * is consistent only per host. The upload journal and blob garbage collection are not part of a dump and pass freely.
 */
final class MetadataDumpGate implements InvocationHandler {
  /** The SPI methods that change what a dump contains. */
  private static final Set<String> CHANGES = Set.of("initRoot", "create", "createEntry", "link", "unlink", "rename",
      "setAttributes", "commitContent", "commitContents", "purge", "setXattr", "removeXattr");

  /** Work done while the gate is closed, on the store itself. */
  @FunctionalInterface
  interface Exclusive<T> {
    T run(MetadataStore store) throws FsException;
  }

  private final MetadataStore store;
  /**
   * The handler of {@code store} when it is itself a proxy (RiverFS's {@link Instrumented} one): called directly,
   * it saves a second reflective dispatch per store call (with two, the proxies were a fifth of an unlink's CPU).
   */
  private final InvocationHandler inner;
  /** Fair, so a waiting dump is not starved by a steady stream of changes. */
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);

  private MetadataDumpGate(MetadataStore store) {
    this.store = store;
    this.inner = Proxy.isProxyClass(store.getClass()) ? Proxy.getInvocationHandler(store) : null;
  }

  /** {@code store} behind a gate; {@link #of} finds the gate again. */
  static MetadataStore wrap(MetadataStore store) {
    return (MetadataStore) Proxy.newProxyInstance(MetadataStore.class.getClassLoader(),
        new Class<?>[] {MetadataStore.class}, new MetadataDumpGate(store));
  }

  static MetadataDumpGate of(MetadataStore wrapped) {
    return (MetadataDumpGate) Proxy.getInvocationHandler(wrapped);
  }

  <T> T exclusively(Exclusive<T> work) throws FsException {
    gate.writeLock().lock();
    try {
      return work.run(store);
    } finally {
      gate.writeLock().unlock();
    }
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      return switch (method.getName()) {
        case "equals" -> proxy == args[0];
        case "hashCode" -> System.identityHashCode(proxy);
        default -> "MetadataDumpGate[" + store + "]";
      };
    }
    boolean change = CHANGES.contains(method.getName());
    if (change) {
      gate.readLock().lock();
    }
    try {
      return inner != null ? inner.invoke(store, method, args) : method.invoke(store, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    } finally {
      if (change) {
        gate.readLock().unlock();
      }
    }
  }
}
