package org.truckeefs.core;

import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobStoreProvider;
import org.truckeefs.spi.CoordinatorProvider;
import org.truckeefs.spi.MetadataStoreProvider;

/**
 * The backend providers a {@link RiverFS} can use, by URI scheme. An instance, not a global: {@link #discover()}
 * finds the providers on the class path with {@link ServiceLoader}; {@link #register} adds or overrides one (a
 * registered provider wins over a discovered one with the same scheme), which is how tests plug in fakes.
 */
public final class Backends {
  private static final Logger log = LoggerFactory.getLogger(Backends.class);

  private final Map<String, MetadataStoreProvider> metadata = new ConcurrentHashMap<>();
  private final Map<String, BlobStoreProvider> blobs = new ConcurrentHashMap<>();
  private final Map<String, CoordinatorProvider> coordinators = new ConcurrentHashMap<>();

  private Backends() {}

  /** A registry with no providers; {@link #register} them. */
  public static Backends empty() {
    return new Backends();
  }

  /** A registry holding every provider {@link ServiceLoader} finds next to the SPI types. */
  public static Backends discover() {
    Backends b = new Backends();
    load(MetadataStoreProvider.class, MetadataStoreProvider::scheme, b.metadata);
    load(BlobStoreProvider.class, BlobStoreProvider::scheme, b.blobs);
    load(CoordinatorProvider.class, CoordinatorProvider::scheme, b.coordinators);
    return b;
  }

  private static <T> void load(Class<T> type, Function<T, String> scheme, Map<String, T> into) {
    ServiceLoader.load(type, type.getClassLoader()).stream().forEach(p -> {
      try {
        T provider = p.get();
        into.putIfAbsent(normalize(scheme.apply(provider)), provider);
      } catch (ServiceConfigurationError e) {
        log.warn("skipping {} provider {}: {}", type.getSimpleName(), p.type().getName(), e.getMessage());
      }
    });
  }

  public Backends register(MetadataStoreProvider provider) {
    metadata.put(normalize(provider.scheme()), provider);
    return this;
  }

  public Backends register(BlobStoreProvider provider) {
    blobs.put(normalize(provider.scheme()), provider);
    return this;
  }

  public Backends register(CoordinatorProvider provider) {
    coordinators.put(normalize(provider.scheme()), provider);
    return this;
  }

  public MetadataStoreProvider metadataStore(String scheme) throws FsException {
    return find("metadata store", metadata, scheme);
  }

  public BlobStoreProvider blobStore(String scheme) throws FsException {
    return find("blob store", blobs, scheme);
  }

  public CoordinatorProvider coordinator(String scheme) throws FsException {
    return find("coordinator", coordinators, scheme);
  }

  public boolean hasMetadataStore(String scheme) {
    return metadata.containsKey(normalize(scheme));
  }

  public boolean hasBlobStore(String scheme) {
    return blobs.containsKey(normalize(scheme));
  }

  public boolean hasCoordinator(String scheme) {
    return coordinators.containsKey(normalize(scheme));
  }

  public Set<String> metadataSchemes() {
    return new TreeSet<>(metadata.keySet());
  }

  public Set<String> blobSchemes() {
    return new TreeSet<>(blobs.keySet());
  }

  public Set<String> coordinatorSchemes() {
    return new TreeSet<>(coordinators.keySet());
  }

  private static <T> T find(String what, Map<String, T> providers, String scheme) throws FsException {
    T p = scheme == null ? null : providers.get(normalize(scheme));
    if (p == null) {
      throw new FsException(FsError.INVALID, "no " + what + " provider for scheme '" + scheme + "'; found: "
          + (providers.isEmpty() ? "none" : String.join(", ", new TreeSet<>(providers.keySet())))
          + "; add the module org.truckeefs:" + module(scheme) + " to the class path");
    }
    return p;
  }

  /** The module that provides {@code scheme}, so a missing one is named in the error. */
  static String module(String scheme) {
    return switch (scheme == null ? "" : normalize(scheme)) {
      case "sqlite", "mariadb", "mysql" -> "truckeefs-sql";
      case "tahoe" -> "truckeefs-tahoe";
      case "redis" -> "truckeefs-redis";
      default -> "truckeefs-core";
    };
  }

  private static String normalize(String scheme) {
    return scheme.toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public String toString() {
    Map<String, Set<String>> m = new TreeMap<>();
    m.put("metadata", metadataSchemes());
    m.put("blobs", blobSchemes());
    m.put("coordinators", coordinatorSchemes());
    return "Backends" + m;
  }
}
